package io.chorus.loadgen;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;

/**
 * The position fields of a server frame, read from its bytes without parsing the JSON (docs/protocol.md): the
 * {@code offset} of a message (or of a welcome's, ack's or gap's {@code position}), its stream's {@code epoch}, and
 * the {@code room} it belongs to. Each is the first occurrence of its key, which is where the server writes it.
 */
final class FrameFields {

    private static final byte[] OFFSET_KEY = "\"offset\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EPOCH_KEY = "\"epoch\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROOM_KEY = "\"room\":\"".getBytes(StandardCharsets.US_ASCII);

    private FrameFields() {
    }

    /** The first {@code offset}, or -1 when the frame has none. */
    static long offsetOf(Buffer frame) {
        return numberAfter(frame, OFFSET_KEY);
    }

    /** The first {@code epoch}, or null when the frame has none. */
    static String epochOf(Buffer frame) {
        return stringAfter(frame, EPOCH_KEY, 64);
    }

    /** The {@code room} of an event, or null when it has none (a broadcast). */
    static String roomOf(Buffer frame) {
        return stringAfter(frame, ROOM_KEY, 128);
    }

    /** The non-negative integer after the first {@code key}, or -1. */
    static long numberAfter(Buffer frame, byte[] key) {
        int at = PayloadCodec.indexOf(frame, key, 0, frame.length());
        if (at < 0) {
            return -1;
        }
        long value = 0;
        int digits = 0;
        for (int i = at + key.length; i < frame.length() && digits < 19; i++, digits++) {
            byte b = frame.getByte(i);
            if (b < '0' || b > '9') {
                break;
            }
            value = value * 10 + (b - '0');
        }
        return digits == 0 ? -1 : value;
    }

    /** The ASCII string after the first {@code key} up to its closing quote (at most {@code limit} bytes), or null. */
    private static String stringAfter(Buffer frame, byte[] key, int limit) {
        int at = PayloadCodec.indexOf(frame, key, 0, frame.length());
        if (at < 0) {
            return null;
        }
        int start = at + key.length;
        int end = start;
        while (end < frame.length() && end - start < limit && frame.getByte(end) != '"') {
            end++;
        }
        return frame.getString(start, end, "US-ASCII");
    }
}
