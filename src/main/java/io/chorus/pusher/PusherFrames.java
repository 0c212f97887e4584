package io.chorus.pusher;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chorus.presence.Members;

/**
 * Encodes the events of the Pusher Channels protocol, version 7, that Chorus sends (docs/pusher.md), with Jackson's
 * streaming API (no reflection). As Pusher does, the {@code data} of channel events is a string holding JSON.
 */
final class PusherFrames {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private PusherFrames() {
    }

    static String connectionEstablished(String socketId, long activityTimeoutSeconds) {
        String data = json(g -> {
            g.writeStartObject();
            g.writeStringField("socket_id", socketId);
            g.writeNumberField("activity_timeout", activityTimeoutSeconds);
            g.writeEndObject();
        });
        return event("pusher:connection_established", null, data, null);
    }

    static String pong() {
        return event("pusher:pong", null, "{}", null);
    }

    /** {@code pusher:error}; {@code code} null for errors the protocol has no code for (the connection stays open). */
    static String error(Integer code, String message) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("event", "pusher:error");
            g.writeObjectFieldStart("data");
            if (code == null) {
                g.writeNullField("code");
            } else {
                g.writeNumberField("code", code);
            }
            g.writeStringField("message", message);
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** A refused subscription, on its channel: pusher-js emits it as {@code pusher:subscription_error}. */
    static String subscriptionError(String channel, String type, String error, int status) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("event", "pusher:subscription_error");
            g.writeStringField("channel", channel);
            g.writeObjectFieldStart("data");
            g.writeStringField("type", type);
            g.writeStringField("error", error);
            g.writeNumberField("status", status);
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    static String subscriptionSucceeded(String channel) {
        return event("pusher_internal:subscription_succeeded", channel, "{}", null);
    }

    /** A presence channel's {@code subscription_succeeded}, with its members ({@code ids}, {@code hash}, {@code count}). */
    static String subscriptionSucceeded(String channel, Members members) {
        String data = json(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("presence");
            g.writeArrayFieldStart("ids");
            for (String user : members.users()) {
                g.writeString(user);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("hash");
            for (String user : members.users()) {
                g.writeFieldName(user);
                writeInfo(g, members.info().get(user));
            }
            g.writeEndObject();
            g.writeNumberField("count", members.count());
            g.writeEndObject();
            g.writeEndObject();
        });
        return event("pusher_internal:subscription_succeeded", channel, data, null);
    }

    static String memberAdded(String channel, String user, String info) {
        String data = json(g -> {
            g.writeStartObject();
            g.writeStringField("user_id", user);
            g.writeFieldName("user_info");
            writeInfo(g, info);
            g.writeEndObject();
        });
        return event("pusher_internal:member_added", channel, data, null);
    }

    static String memberRemoved(String channel, String user) {
        String data = json(g -> {
            g.writeStartObject();
            g.writeStringField("user_id", user);
            g.writeEndObject();
        });
        return event("pusher_internal:member_removed", channel, data, null);
    }

    /** An event on a channel; {@code userId} (presence channels' client events) may be null. */
    static String event(String event, String channel, String data, String userId) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("event", event);
            if (channel != null) {
                g.writeStringField("channel", channel);
            }
            g.writeStringField("data", data);
            if (userId != null) {
                g.writeStringField("user_id", userId);
            }
            g.writeEndObject();
        });
    }

    /** An event's data as Pusher carries it: a string stays as it is, any other JSON value becomes its JSON text. */
    static String dataText(JsonNode data) {
        if (data == null || data.isNull() || data.isMissingNode()) {
            return "";
        }
        return data.isTextual() ? data.textValue() : data.toString();
    }

    private static void writeInfo(JsonGenerator g, String info) throws IOException {
        if (info == null) {
            g.writeNull();
        } else {
            g.writeRawValue(info);
        }
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static String json(Body body) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
