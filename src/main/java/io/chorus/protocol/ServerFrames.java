package io.chorus.protocol;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

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

    private ServerFrames() {
    }

    /** The first event on every connection. */
    public static String welcome(String replica, String connection, String user) {
        return write(g -> {
            start(g, "welcome");
            g.writeStringField("replica", replica);
            g.writeStringField("connection", connection);
            g.writeStringField("user", user);
        });
    }

    /**
     * A message for clients. This very text travels over the backplane and is written, unchanged, to every
     * receiving connection: it is encoded once per publish.
     */
    public static String message(String id, String replica, String from, long ts, JsonNode payload) {
        return write(g -> {
            start(g, "message");
            g.writeStringField("id", id);
            g.writeStringField("replica", replica);
            g.writeStringField("from", from);
            g.writeNumberField("ts", ts);
            g.writeFieldName("payload");
            MAPPER.writeTree(g, payload);
        });
    }

    /** Confirms that the backplane accepted a publish that carried a {@code ref}. */
    public static String ack(String ref, String id) {
        return write(g -> {
            start(g, "ack");
            g.writeStringField("ref", ref);
            g.writeStringField("id", id);
        });
    }

    public static String error(ErrorCode code, String message, String ref) {
        return write(g -> {
            start(g, "error");
            g.writeStringField("code", code.wire());
            g.writeStringField("message", message);
            if (ref != null) {
                g.writeStringField("ref", ref);
            }
        });
    }

    /**
     * Whether text from the backplane is a message event of this protocol version. Reads only the leading
     * {@code v} and {@code type} fields, which {@link #message} always writes first.
     */
    public static boolean isMessageEvent(String text) {
        try (JsonParser p = MAPPER.createParser(text)) {
            return p.nextToken() == JsonToken.START_OBJECT
                    && "v".equals(p.nextFieldName())
                    && p.nextToken() == JsonToken.VALUE_NUMBER_INT && p.getIntValue() == VERSION
                    && "type".equals(p.nextFieldName())
                    && "message".equals(p.nextTextValue());
        } catch (IOException e) {
            return false;
        }
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
