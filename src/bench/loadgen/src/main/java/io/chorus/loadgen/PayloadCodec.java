package io.chorus.loadgen;

import java.nio.charset.StandardCharsets;

import io.vertx.core.buffer.Buffer;

/**
 * The generator's side of the wire: writes {@code publish} and {@code join} commands, and reads the server's frames by
 * scanning bytes, without decoding them to a String or a JSON tree (the generator reads hundreds of thousands of frames
 * a second on a shared core).
 * <p>
 * Every published payload carries a probe, {@code "lg":[publisher,sequence,sentNanos]}: the publisher's index in the
 * run, its sequence number (from 0), and the intended send time on this process's {@link System#nanoTime()} clock. The
 * server copies the payload unchanged into the {@code message} event, so the receiver finds the probe again.
 */
final class PayloadCodec {

    /** The kinds of server frame the generator tells apart. */
    enum FrameType {
        WELCOME, MESSAGE, JOINED, ACK, ERROR, OTHER
    }

    /** What a {@code message} event's probe says. */
    record Probe(int publisher, long sequence, long sentNanos) {
    }

    private static final byte[] TYPE_KEY = "\"type\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROBE_KEY = "\"lg\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CODE_KEY = "\"code\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUBLISH_REF_KEY = "\"ref\":\"p".getBytes(StandardCharsets.US_ASCII);

    private final String padding;

    /** @param paddingBytes extra ASCII bytes added to each payload, to model larger messages (0 for none). */
    PayloadCodec(int paddingBytes) {
        this.padding = paddingBytes <= 0 ? "" : ",\"pad\":\"" + "x".repeat(paddingBytes) + "\"";
    }

    /**
     * A {@code publish} command with a probe; {@code room} null publishes to everyone. Its {@code ref},
     * {@code p<publisher>.<sequence>}, comes back in the {@code ack} or {@code error}, so a refused publish is known.
     */
    String publish(String room, int publisher, long sequence, long sentNanos) {
        StringBuilder frame = new StringBuilder(80 + padding.length()).append("{\"type\":\"publish\"");
        if (room != null) {
            frame.append(",\"room\":\"").append(room).append('"');
        }
        frame.append(",\"ref\":\"p").append(publisher).append('.').append(sequence).append('"');
        return frame.append(",\"payload\":{\"lg\":[").append(publisher).append(',').append(sequence).append(',')
                .append(sentNanos).append(']').append(padding).append("}}").toString();
    }

    static String join(String room, String ref) {
        return "{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"" + ref + "\"}";
    }

    /** The frame's {@code type}, read from its first bytes. */
    static FrameType typeOf(Buffer frame) {
        int at = indexOf(frame, TYPE_KEY, 0, Math.min(frame.length(), 64));
        if (at < 0) {
            return FrameType.OTHER;
        }
        int start = at + TYPE_KEY.length;
        if (start >= frame.length()) {
            return FrameType.OTHER;
        }
        return switch (frame.getByte(start)) {
            case 'm' -> startsWith(frame, start, "message\"") ? FrameType.MESSAGE : FrameType.OTHER;
            case 'w' -> startsWith(frame, start, "welcome\"") ? FrameType.WELCOME : FrameType.OTHER;
            case 'j' -> startsWith(frame, start, "joined\"") ? FrameType.JOINED : FrameType.OTHER;
            case 'a' -> startsWith(frame, start, "ack\"") ? FrameType.ACK : FrameType.OTHER;
            case 'e' -> startsWith(frame, start, "error\"") ? FrameType.ERROR : FrameType.OTHER;
            default -> FrameType.OTHER;
        };
    }

    /** The {@code type} string of a frame (for counting frames the generator does not otherwise read), or "?". */
    static String typeNameOf(Buffer frame) {
        int at = indexOf(frame, TYPE_KEY, 0, Math.min(frame.length(), 64));
        if (at < 0) {
            return "?";
        }
        int start = at + TYPE_KEY.length;
        int end = start;
        while (end < frame.length() && end - start < 32 && frame.getByte(end) != '"') {
            end++;
        }
        return frame.getString(start, end, "US-ASCII");
    }

    /** The probe of a {@code message} event, or null when it has none (a message the generator did not send). */
    static Probe probeOf(Buffer frame) {
        int at = indexOf(frame, PROBE_KEY, 0, frame.length());
        if (at < 0) {
            return null;
        }
        long[] values = new long[3];
        int i = at + PROBE_KEY.length;
        for (int n = 0; n < 3; n++) {
            long value = 0;
            int digits = 0;
            boolean negative = false;
            if (i < frame.length() && frame.getByte(i) == '-') {
                negative = true;
                i++;
            }
            while (i < frame.length()) {
                byte b = frame.getByte(i);
                if (b < '0' || b > '9') {
                    break;
                }
                value = value * 10 + (b - '0');
                digits++;
                i++;
            }
            if (digits == 0 || digits > 19 || i >= frame.length()) {
                return null;
            }
            byte separator = frame.getByte(i++);
            if (separator != (n < 2 ? ',' : ']')) {
                return null;
            }
            values[n] = negative ? -value : value;
        }
        if (values[0] < 0 || values[0] > Integer.MAX_VALUE || values[1] < 0) {
            return null;
        }
        return new Probe((int) values[0], values[1], values[2]);
    }

    /** The (publisher, sequence) of a publish's {@code ref} echoed in an ack or error, or null; sentNanos is 0. */
    static Probe publishRefOf(Buffer frame) {
        int at = indexOf(frame, PUBLISH_REF_KEY, 0, frame.length());
        if (at < 0) {
            return null;
        }
        int i = at + PUBLISH_REF_KEY.length;
        long publisher = 0, sequence = 0;
        int digits = 0;
        while (i < frame.length() && frame.getByte(i) >= '0' && frame.getByte(i) <= '9' && digits < 10) {
            publisher = publisher * 10 + (frame.getByte(i++) - '0');
            digits++;
        }
        if (digits == 0 || i >= frame.length() || frame.getByte(i++) != '.' || publisher > Integer.MAX_VALUE) {
            return null;
        }
        digits = 0;
        while (i < frame.length() && frame.getByte(i) >= '0' && frame.getByte(i) <= '9' && digits < 18) {
            sequence = sequence * 10 + (frame.getByte(i++) - '0');
            digits++;
        }
        if (digits == 0 || i >= frame.length() || frame.getByte(i) != '"') {
            return null;
        }
        return new Probe((int) publisher, sequence, 0);
    }

    /** The {@code code} of an {@code error} event, or "?" when absent. */
    static String errorCodeOf(Buffer frame) {
        int at = indexOf(frame, CODE_KEY, 0, frame.length());
        if (at < 0) {
            return "?";
        }
        int start = at + CODE_KEY.length;
        int end = start;
        while (end < frame.length() && end - start < 64 && frame.getByte(end) != '"') {
            end++;
        }
        return frame.getString(start, end, "US-ASCII");
    }

    /** Whether the frame holds the ASCII text at {@code from}. */
    static boolean startsWith(Buffer frame, int from, String ascii) {
        if (from + ascii.length() > frame.length()) {
            return false;
        }
        for (int k = 0; k < ascii.length(); k++) {
            if (frame.getByte(from + k) != ascii.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(Buffer frame, byte[] needle, int from, int to) {
        int last = to - needle.length;
        outer: for (int i = from; i <= last; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (frame.getByte(i + k) != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
