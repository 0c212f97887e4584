package io.chorus.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;

/**
 * The bytes Fanout writes to every connection are a whole WebSocket frame it encodes itself: read back by Netty's own
 * RFC 6455 decoder (as a client reads a server's unmasked frames), they are one final text frame with the exact text,
 * at every length encoding (7-bit, 16-bit, 64-bit).
 */
class FanoutFrameTest {

    @ParameterizedTest
    @ValueSource(ints = { 0, 1, 125, 126, 127, 65_535, 65_536, 200_000 })
    void wireBytesDecodeAsOneFinalTextFrameWithTheText(int length) {
        String text = textOf(length);
        Fanout.Frame frame = new Fanout.Frame(text);

        TextWebSocketFrame decoded = decode(frame.wire(PooledByteBufAllocator.DEFAULT).retainedDuplicate());

        assertTrue(decoded.isFinalFragment());
        assertEquals(0, decoded.rsv());
        assertEquals(text, decoded.text());
        decoded.release();
    }

    @ParameterizedTest
    @ValueSource(ints = { 0, 125, 126, 65_536 })
    void payloadViewIsTheTextAlone(int length) {
        String text = textOf(length);
        ByteBuf payload = new Fanout.Frame(text).retainedPayload(PooledByteBufAllocator.DEFAULT);

        assertEquals(text, payload.toString(StandardCharsets.UTF_8));
        payload.release();
    }

    @Test
    void theBytesGoBackToThePoolWhenTheLastHolderLetsGo() {
        Fanout.Frame frame = new Fanout.Frame(textOf(300));
        ByteBuf wire = frame.wire(PooledByteBufAllocator.DEFAULT);
        assertTrue(wire.isDirect(), "the socket writes pooled direct bytes as they are, with no copy per connection");
        ByteBuf inFlight = wire.retainedDuplicate(); // a write the socket has not taken yet
        frame.retain(); // a batch of writes still queued

        frame.release(); // the maker has handed it over
        frame.release(); // the batch has run
        assertEquals(1, wire.refCnt(), "the write still in flight keeps the bytes");
        inFlight.release();
        assertEquals(0, wire.refCnt());
        assertThrows(IllegalStateException.class, frame::retain, "a released frame cannot be held again");
        assertThrows(IllegalStateException.class, () -> frame.wire(PooledByteBufAllocator.DEFAULT));
    }

    @Test
    void aFrameNeverWrittenIsNeverEncoded() {
        Fanout.Frame frame = new Fanout.Frame("{}");
        frame.release(); // nothing to give back, nothing allocated
        assertThrows(IllegalStateException.class, () -> frame.wire(PooledByteBufAllocator.DEFAULT));
    }

    /** A text of exactly {@code length} UTF-8 bytes, with two-byte characters in it. */
    private static String textOf(int length) {
        StringBuilder text = new StringBuilder(length);
        int bytes = 0;
        while (bytes < length) {
            boolean wide = text.length() % 10 == 0 && bytes + 2 <= length;
            text.append(wide ? 'é' : 'a');
            bytes += wide ? 2 : 1;
        }
        return text.toString();
    }

    private static TextWebSocketFrame decode(ByteBuf wire) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameDecoder(false, false, 1 << 20));
        client.writeInbound(wire);
        TextWebSocketFrame frame = client.readInbound();
        assertNull(client.readInbound(), "exactly one frame");
        client.finishAndReleaseAll();
        return frame;
    }
}
