package io.chorus.backplane;

import io.chorus.protocol.StreamPosition;

/**
 * What travels between replicas on a backplane channel, and what a stream's history keeps: a small versioned header,
 * then the client frame, verbatim. A receiver reads the header without parsing JSON, and hands the frame to its
 * connections as it is (completed with the position once per message and replica: see docs/backplane.md).
 * <p>
 * The text form (docs/backplane.md, "Envelope"):
 *
 * <pre>
 * #1|&lt;offset&gt;:&lt;epoch&gt;|&lt;kind&gt;|&lt;origin&gt;|&lt;ts&gt;|&lt;except&gt;\n&lt;frame&gt;
 * </pre>
 *
 * {@code #1} is the version; the position is empty for a message of a stream without history; the kind is one
 * letter ({@link Kind}); the origin is the publishing replica's id and {@code ts} its clock (ms) when it accepted the
 * message; {@code except} names a Pusher socket that must not receive it (empty: none). Origin and except are
 * percent-escaped ({@code %}, {@code |} and newline), so the header is one line of six fields; the frame is everything
 * after the first newline. {@code history_publish.lua} writes the position between {@link #beforePosition()} and
 * {@link #afterPosition()}, as {@code <offset>:<epoch>}.
 *
 * @param kind what the message is, and so who acts on it
 * @param position the message's place in its stream, or null (no history, or not yet appended)
 * @param origin the id of the replica that published it
 * @param ts the origin's clock when it accepted the message, ms since the epoch (0: unknown)
 * @param except a Pusher socket that must not receive the message, or null
 * @param frame the client frame (a JSON event of docs/protocol.md, without its position), never parsed here
 */
public record Envelope(Kind kind, StreamPosition position, String origin, long ts, String except, String frame) {

    /** The envelope version this replica writes, and the newest it reads. */
    public static final int VERSION = 1;

    private static final String MARK = "#" + VERSION + "|";

    /** What a message is: who it is for, and whether it is delivered to clients at all. */
    public enum Kind {
        /** A {@code message} to everyone, on the broadcast channel (its stream keeps history). */
        BROADCAST('b', true),
        /** A {@code message} to a room's members (its stream keeps history). */
        ROOM('r', true),
        /** A {@code message} to one user's connections, on the user's channel (no history). */
        DIRECT('d', true),
        /** A server-side event for a room's members: {@code member_joined} / {@code member_left} (no history). */
        PRESENCE('p', true),
        /** An order to the replicas, on a user's channel: close the user's connections. Never sent to clients. */
        DISCONNECT('x', false);

        private final char code;
        private final boolean forClients;

        Kind(char code, boolean forClients) {
            this.code = code;
            this.forClients = forClients;
        }

        /** Whether the frame is written to clients (else it is an order to the replicas). */
        public boolean forClients() {
            return forClients;
        }

        static Kind of(char code) {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            return null;
        }
    }

    /** Text on a backplane channel, or in history, that is no envelope this replica can read. */
    public static final class Unreadable extends RuntimeException {
        Unreadable(String reason) {
            super(reason, null, false, false);
        }
    }

    public Envelope {
        if (kind == null || origin == null || frame == null) {
            throw new IllegalArgumentException("an envelope needs a kind, an origin and a frame");
        }
    }

    /** A message without a position (yet): the history script, or a history in memory, gives it one. */
    public static Envelope of(Kind kind, String origin, long ts, String except, String frame) {
        return new Envelope(kind, null, origin, ts, except, frame);
    }

    /** The same message at a position in its stream. */
    public Envelope at(StreamPosition at) {
        return new Envelope(kind, at, origin, ts, except, frame);
    }

    /** The text form, as published and stored. */
    public String encode() {
        return beforePosition() + positionText() + afterPosition();
    }

    /** The text form up to where the position goes (for {@code history_publish.lua}). */
    public String beforePosition() {
        return MARK;
    }

    /** The text form after the position: the rest of the header, and the frame. */
    public String afterPosition() {
        StringBuilder text = new StringBuilder(frame.length() + origin.length() + 32);
        text.append('|').append(kind.code).append('|');
        escape(origin, text);
        text.append('|').append(ts).append('|');
        if (except != null) {
            escape(except, text);
        }
        return text.append('\n').append(frame).toString();
    }

    private String positionText() {
        return position == null ? "" : position.offset() + ":" + position.epoch();
    }

    /**
     * Reads an envelope.
     *
     * @throws Unreadable when the text is no envelope, or one of another version (a newer replica's, during a rolling
     *         upgrade: see docs/backplane.md): the receiver drops it, and logs and counts that
     */
    public static Envelope decode(String text) {
        if (!text.startsWith(MARK)) {
            throw new Unreadable(versionOf(text));
        }
        int end = text.indexOf('\n', MARK.length());
        if (end < 0) {
            throw new Unreadable("no end of header");
        }
        int positionEnd = field(text, MARK.length(), end);
        int kindEnd = field(text, positionEnd + 1, end);
        int originEnd = field(text, kindEnd + 1, end);
        int tsEnd = field(text, originEnd + 1, end);
        if (text.indexOf('|', tsEnd + 1) >= 0 && text.indexOf('|', tsEnd + 1) < end) {
            throw new Unreadable("too many header fields");
        }
        Kind kind = kindEnd == positionEnd + 2 ? Kind.of(text.charAt(positionEnd + 1)) : null;
        if (kind == null) {
            throw new Unreadable("unknown kind '" + text.substring(positionEnd + 1, kindEnd) + "'");
        }
        try {
            return new Envelope(kind, position(text, MARK.length(), positionEnd),
                    unescape(text.substring(kindEnd + 1, originEnd)),
                    Long.parseLong(text, originEnd + 1, tsEnd, 10),
                    tsEnd + 1 == end ? null : unescape(text.substring(tsEnd + 1, end)),
                    text.substring(end + 1));
        } catch (NumberFormatException e) {
            throw new Unreadable("bad number in header: " + e.getMessage());
        }
    }

    /** The end of a header field starting at {@code from}: the next '|' before the header's end. */
    private static int field(String text, int from, int headerEnd) {
        int bar = text.indexOf('|', from);
        if (bar < 0 || bar > headerEnd) {
            throw new Unreadable("too few header fields");
        }
        return bar;
    }

    private static StreamPosition position(String text, int from, int to) {
        if (from == to) {
            return null;
        }
        int colon = text.indexOf(':', from);
        if (colon < 0 || colon > to) {
            throw new Unreadable("bad position");
        }
        return new StreamPosition(Long.parseLong(text, from, colon, 10), text.substring(colon + 1, to));
    }

    /** Why text starting unlike this version's envelope is unreadable: another version, or no envelope at all. */
    private static String versionOf(String text) {
        int bar = text.indexOf('|');
        if (text.startsWith("#") && bar > 1 && bar < 12) {
            String version = text.substring(1, bar);
            return version.chars().allMatch(Character::isDigit)
                    ? "envelope version " + version + "; this replica reads version " + VERSION
                    : "no envelope";
        }
        return "no envelope";
    }

    private static void escape(String field, StringBuilder out) {
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            switch (c) {
                case '%' -> out.append("%25");
                case '|' -> out.append("%7C");
                case '\n' -> out.append("%0A");
                default -> out.append(c);
            }
        }
    }

    private static String unescape(String field) {
        if (field.indexOf('%') < 0) {
            return field;
        }
        return field.replace("%7C", "|").replace("%0A", "\n").replace("%25", "%");
    }
}
