package io.chorus.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/** A reply's stored messages fit chorus.limits.max-reply-bytes, and always at least one of them is sent. */
class ReplyBytesTest {

    private static final List<String> PAGE = List.of("a".repeat(400), "b".repeat(400), "c".repeat(400));

    @Test
    void pageReadForwardKeepsTheEarliestMessagesThatFit() {
        assertEquals(PAGE.subList(0, 2), ReplyBytes.fit(PAGE, 1000, true));
    }

    @Test
    void latestPageKeepsTheNewestMessagesThatFit() {
        assertEquals(PAGE.subList(1, 3), ReplyBytes.fit(PAGE, 1000, false));
    }

    @Test
    void pageWithinTheLimitIsKeptWhole() {
        assertEquals(PAGE, ReplyBytes.fit(PAGE, 1200, true));
    }

    @Test
    void messageLargerThanTheLimitIsStillSentAlone() {
        assertEquals(PAGE.subList(0, 1), ReplyBytes.fit(PAGE, 10, true));
        assertEquals(PAGE.subList(2, 3), ReplyBytes.fit(PAGE, 10, false));
    }

    @Test
    void sizesAreCountedInUtf8Bytes() {
        assertEquals(1 + 2 + 3 + 4, ReplyBytes.utf8Length("a\u00e9\u20ac\ud83d\udc4b"));
    }
}
