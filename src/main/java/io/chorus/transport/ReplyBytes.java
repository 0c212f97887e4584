package io.chorus.transport;

import java.util.List;

import io.chorus.protocol.FrameSize;

/**
 * Bounds the stored messages of one reply ({@code chorus.limits.max-reply-bytes}): a {@code history} page, and what a
 * recovering connection is replayed. A reply never holds less than one message, so paging always moves on.
 */
public final class ReplyBytes {

    private ReplyBytes() {
    }

    /**
     * The longest run of these messages (in order) whose UTF-8 sizes add up to at most maxBytes: from the oldest when
     * keepOldest (a page read forward from a position: the client goes on from the last one), else the newest.
     */
    public static List<String> fit(List<String> messages, int maxBytes, boolean keepOldest) {
        long total = 0;
        int n = messages.size();
        for (int kept = 0; kept < n; kept++) {
            String message = messages.get(keepOldest ? kept : n - 1 - kept);
            total += utf8Length(message);
            if (total > maxBytes && kept > 0) {
                return keepOldest ? messages.subList(0, kept) : messages.subList(n - kept, n);
            }
        }
        return messages;
    }

    /** The UTF-8 size of a string, without encoding it. */
    public static long utf8Length(String text) {
        return FrameSize.utf8Length(text);
    }
}
