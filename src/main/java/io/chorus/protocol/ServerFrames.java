package io.chorus.protocol;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Encodes the events the server sends (docs/protocol.md), by hand with Jackson's streaming API: no reflection, so
 * the native image needs no registration. Every event starts with {@code "v"} then {@code "type"}.
 */
public final class ServerFrames {

    /** The protocol version this server speaks; carried as {@code v} in every event. */
    public static final int VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** How every {@code message} event starts; its position, when it has one, comes right after. */
    private static final String MESSAGE_HEAD = "{\"v\":" + VERSION + ",\"type\":\"message\"";

    /** How every presence event ({@code member_joined}, {@code member_left}) starts. */
    private static final String PRESENCE_HEAD = "{\"v\":" + VERSION + ",\"type\":\"member_";

    private ServerFrames() {
    }

    /** How every {@code gap} event starts. */
    private static final String GAP_HEAD = "{\"v\":" + VERSION + ",\"type\":\"gap\"";

    /** Whether an event is a {@code gap}. */
    public static boolean isGap(String frame) {
        return frame.startsWith(GAP_HEAD);
    }

    /** How a room's {@code members} starts, pushed or answered. */
    private static final String MEMBERS_HEAD = "{\"v\":" + VERSION + ",\"type\":\"members\"";

    /**
     * Whether a frame written to a room's members is about its presence ({@code member_joined}, {@code member_left},
     * or a pushed {@code members}): members whose grant hides the room's presence never get one.
     */
    public static boolean isPresenceEvent(String frame) {
        return frame.startsWith(PRESENCE_HEAD) || frame.startsWith(MEMBERS_HEAD);
    }

    /**
     * The order, published on a user's channel (an envelope of kind disconnect), to close every connection of the
     * user on every replica (the server API's disconnect). Replicas act on it; clients never see it.
     */
    public static String disconnect(String user) {
        return write(g -> {
            start(g, "disconnect");
            g.writeStringField("user", user);
        });
    }

    /**
     * The first event on every connection, with the broadcast stream's position; {@code recovered} (non-null when
     * the connection asked to recover from a position) says whether every missed broadcast follows.
     */
    public static String welcome(String replica, String connection, String user, Boolean recovered,
            StreamPosition position) {
        return write(g -> {
            start(g, "welcome");
            g.writeStringField("replica", replica);
            g.writeStringField("connection", connection);
            g.writeStringField("user", user);
            if (recovered != null) {
                g.writeBooleanField("recovered", recovered);
            }
            if (position != null) {
                writePosition(g, position);
            }
        });
    }

    /**
     * A message for clients: to everyone (room and to null), to a room's members, or to one user's connections.
     * This very text travels over the backplane as the frame of its envelope, and is written to every receiving
     * connection unchanged but for its position, written in once per replica: it is encoded once per publish.
     * {@code from} may be null (a message a server published, not a user). A Pusher socket that must not receive it
     * is named in the envelope's header, not here (docs/backplane.md).
     */
    public static String message(String id, String replica, String from, long ts, String room, String to,
            JsonNode payload) {
        return message(id, replica, from, ts, room, to, RawJson.of(payload));
    }

    /** As above, with the payload's text written in as it is (a client's, which {@link ClientFrameParser} validated). */
    public static String message(String id, String replica, String from, long ts, String room, String to,
            RawJson payload) {
        return write(g -> {
            start(g, "message");
            g.writeStringField("id", id);
            g.writeStringField("replica", replica);
            if (from != null) {
                g.writeStringField("from", from);
            }
            g.writeNumberField("ts", ts);
            if (room != null) {
                g.writeStringField("room", room);
            }
            if (to != null) {
                g.writeStringField("to", to);
            }
            g.writeFieldName("payload");
            g.writeRawValue(payload.text());
        });
    }

    /** A user became a member of a room (its first connection in it, anywhere in the cluster). */
    public static String memberJoined(String room, String user, long ts) {
        return presenceEvent("member_joined", room, user, null, ts);
    }

    /** As {@link #memberJoined(String, String, long)}, with what the user said about itself (JSON text, or null). */
    public static String memberJoined(String room, String user, String info, long ts) {
        return presenceEvent("member_joined", room, user, info, ts);
    }

    /** A user stopped being a member of a room (its last connection left, closed, or expired). */
    public static String memberLeft(String room, String user, long ts) {
        return presenceEvent("member_left", room, user, null, ts);
    }

    private static String presenceEvent(String type, String room, String user, String info, long ts) {
        return write(g -> {
            start(g, type);
            g.writeStringField("room", room);
            g.writeStringField("user", user);
            g.writeNumberField("ts", ts);
            if (info != null) {
                g.writeFieldName("info");
                g.writeRawValue(info);
            }
        });
    }

    /**
     * Answers {@code join} once the room's messages are guaranteed to reach the connection, with the room's
     * position at that moment; {@code recovered} (non-null when the join asked to recover from a position) says
     * whether every missed message was sent before this answer.
     */
    public static String joined(String room, String ref, Boolean recovered, StreamPosition position) {
        return write(g -> {
            start(g, "joined");
            g.writeStringField("room", room);
            if (recovered != null) {
                g.writeBooleanField("recovered", recovered);
            }
            if (position != null) {
                writePosition(g, position);
            }
            if (ref != null) {
                g.writeStringField("ref", ref);
            }
        });
    }

    public static String left(String room, String ref) {
        return roomReply("left", room, ref);
    }

    /**
     * The server took the connection out of a room, unasked: {@code reason} {@code forbidden} after a {@code refresh}
     * whose token no longer allows the room (or no longer shows its presence).
     */
    public static String removed(String room, String reason) {
        return write(g -> {
            start(g, "left");
            g.writeStringField("room", room);
            g.writeStringField("reason", reason);
        });
    }

    private static String roomReply(String type, String room, String ref) {
        return write(g -> {
            start(g, type);
            g.writeStringField("room", room);
            if (ref != null) {
                g.writeStringField("ref", ref);
            }
        });
    }

    /** Answers {@code refresh}: the connection now lives until {@code expires} (seconds since the epoch). */
    public static String refreshed(long expires, String ref) {
        return write(g -> {
            start(g, "refreshed");
            g.writeNumberField("expires", expires);
            if (ref != null) {
                g.writeStringField("ref", ref);
            }
        });
    }

    public static String members(String room, List<String> users, String ref) {
        return write(g -> {
            start(g, "members");
            g.writeStringField("room", room);
            writeUsers(g, users);
            if (ref != null) {
                g.writeStringField("ref", ref);
            }
        });
    }

    /**
     * Answers {@code history}: the messages (each the very {@code message} event clients received, written in as it
     * is), the stream's position now, and whether history still reached back to what was asked.
     */
    public static String history(String room, boolean recoverable, StreamPosition position, List<String> messages,
            String ref) {
        return write(g -> {
            start(g, "history");
            if (room != null) {
                g.writeStringField("room", room);
            }
            g.writeBooleanField("recoverable", recoverable);
            writePosition(g, position);
            g.writeArrayFieldStart("messages");
            for (String message : messages) {
                g.writeRawValue(message);
            }
            g.writeEndArray();
            if (ref != null) {
                g.writeStringField("ref", ref);
            }
        });
    }

    public static String online(long count, List<String> users, String ref) {
        return write(g -> {
            start(g, "online");
            g.writeNumberField("count", count);
            writeUsers(g, users);
            if (ref != null) {
                g.writeStringField("ref", ref);
            }
        });
    }

    private static void writeUsers(JsonGenerator g, List<String> users) throws IOException {
        g.writeArrayFieldStart("users");
        for (String user : users) {
            g.writeString(user);
        }
        g.writeEndArray();
    }

    /**
     * Confirms that the backplane accepted a publish that carried a {@code ref}; with the message's position when
     * its stream keeps history.
     */
    public static String ack(String ref, String id, StreamPosition position) {
        return write(g -> {
            start(g, "ack");
            g.writeStringField("ref", ref);
            g.writeStringField("id", id);
            if (position != null) {
                writePosition(g, position);
            }
        });
    }

    /**
     * The message frame with its stream position inserted right after {@code type}: {@code offset}, then
     * {@code epoch}. Receivers complete a backplane message's frame so, once per message and replica.
     */
    public static String withPosition(String frame, long offset, String epoch) {
        if (!frame.startsWith(MESSAGE_HEAD)) {
            throw new IllegalArgumentException("not a message event");
        }
        return MESSAGE_HEAD + ",\"offset\":" + offset + ",\"epoch\":\"" + epoch + "\"" + frame.substring(MESSAGE_HEAD.length());
    }

    /** The position a message frame carries right after its type, or null if it carries none. */
    public static StreamPosition positionOf(String frame) {
        if (!frame.startsWith(MESSAGE_HEAD)) {
            return null;
        }
        try (JsonParser p = MAPPER.createParser(frame)) {
            p.nextToken();
            p.nextFieldName();
            p.nextToken();
            p.nextFieldName();
            p.nextToken();
            if (!"offset".equals(p.nextFieldName()) || p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                return null;
            }
            long offset = p.getLongValue();
            if (!"epoch".equals(p.nextFieldName())) {
                return null;
            }
            return new StreamPosition(offset, p.nextTextValue());
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A stream (a room, or the broadcast stream when room is null) had a gap that history could not fill: messages
     * may have been missed. Sent to the clients that may have missed them.
     */
    public static String gap(String room, StreamPosition position) {
        return write(g -> {
            start(g, "gap");
            if (room != null) {
                g.writeStringField("room", room);
            }
            g.writeBooleanField("recovered", false);
            writePosition(g, position);
        });
    }

    private static void writePosition(JsonGenerator g, StreamPosition position) throws IOException {
        g.writeObjectFieldStart("position");
        g.writeNumberField("offset", position.offset());
        g.writeStringField("epoch", position.epoch());
        g.writeEndObject();
    }

    public static String error(ErrorCode code, String message, String ref) {
        return error(code, message, ref, null);
    }

    /**
     * As {@link #error(ErrorCode, String, String)}, for a publish the backplane did not confirm: {@code id} (null:
     * none) is the id the message is delivered with, should it have gone out after all.
     */
    public static String error(ErrorCode code, String message, String ref, String id) {
        return write(g -> {
            start(g, "error");
            g.writeStringField("code", code.wire());
            g.writeStringField("message", message);
            if (ref != null) {
                g.writeStringField("ref", ref);
            }
            if (id != null) {
                g.writeStringField("id", id);
            }
        });
    }

    private static void start(JsonGenerator g, String type) throws IOException {
        g.writeStartObject();
        g.writeNumberField("v", VERSION);
        g.writeStringField("type", type);
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Body body) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
