package io.chorus.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
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

        TextWebSocketFrame decoded = decode(frame.wire().retainedDuplicate());

        assertTrue(decoded.isFinalFragment());
        assertEquals(0, decoded.rsv());
        assertEquals(text, decoded.text());
        decoded.release();
    }

    @ParameterizedTest
    @ValueSource(ints = { 0, 125, 126, 65_536 })
    void payloadViewIsTheTextAlone(int length) {
        String text = textOf(length);
        ByteBuf payload = new Fanout.Frame(text).retainedPayload();

        assertEquals(text, payload.toString(StandardCharsets.UTF_8));
        payload.release();
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
