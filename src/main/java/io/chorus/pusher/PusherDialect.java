package io.chorus.pusher;

import java.io.IOException;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.hub.Dialect;
import io.chorus.hub.Session;
import io.chorus.protocol.CloseCode;
import io.chorus.protocol.ReservedEvents;

/**
 * Room frames as Pusher clients receive them. Translated once per frame and replica, then written to every Pusher
 * subscriber of the room:
 * <ul>
 * <li>{@code message}: its payload, when an object with a string {@code event} and a {@code data}, becomes that
 * event with that data; any other payload becomes an event named {@code message} whose data is the payload. On a
 * presence channel the sender becomes {@code user_id}. A message whose envelope names a socket in its {@code except}
 * header (the sender of a client event, the {@code socket_id} of an HTTP API trigger; docs/backplane.md) is not
 * written to that socket.
 * A message naming a reserved event ({@code pusher:*}, {@code pusher_internal:*}) becomes nothing: endpoints and APIs
 * refuse such payloads ({@link ReservedEvents}), and this keeps one from any other source from forging a Pusher event.</li>
 * <li>{@code member_joined} / {@code member_left} on a presence channel: {@code pusher_internal:member_added} /
 * {@code member_removed}, not written to the sockets present as that very user.</li>
 * <li>anything else (a {@code gap}, presence events of other channels): nothing; Pusher has no word for it.</li>
 * </ul>
 */
@Singleton
public class PusherDialect implements Dialect {

    /** Closes said in Pusher's codes: pusher-js reconnects after 4100 (backing off) and 4201 (at once). */
    static final CloseCode OVER_CAPACITY = new CloseCode(4100, "Over capacity");
    static final CloseCode PONG_NOT_RECEIVED = new CloseCode(4201, "Pong reply not received");

    /** Keeps an event from the socket that caused it (a client event, or an HTTP trigger naming a socket_id). */
    private record SkipSocket(String socketId) {
    }

    /** Keeps a presence event from the sockets present in the channel as that very user. */
    private record SkipUser(String user) {
    }

    @Override
    public Translation translate(String room, String frame, String except) {
        JsonNode event;
        try {
            event = PusherFrames.MAPPER.readTree(frame);
        } catch (IOException e) {
            return null;
        }
        String channel = PusherApp.channelOf(room);
        boolean presence = ChannelName.isPresence(channel);
        switch (event.path("type").asText()) {
            case "message" -> {
                JsonNode payload = event.path("payload");
                String name = "message";
                JsonNode data = payload;
                if (payload.isObject() && payload.path("event").isTextual() && payload.has("data")) {
                    name = payload.get("event").textValue();
                    data = payload.get("data");
                }
                if (ReservedEvents.isReserved(name)) {
                    return null; // refused where it entered; never let it pass for a Pusher protocol event
                }
                String from = presence && event.path("from").isTextual() ? event.get("from").textValue() : null;
                return new Translation(PusherFrames.event(name, channel, PusherFrames.dataText(data), from),
                        except == null ? null : new SkipSocket(except));
            }
            case "member_joined" -> {
                if (!presence) {
                    return null;
                }
                String user = event.path("user").asText();
                JsonNode info = event.get("info");
                return new Translation(PusherFrames.memberAdded(channel, user, info == null ? null : info.toString()),
                        new SkipUser(user));
            }
            case "member_left" -> {
                if (!presence) {
                    return null;
                }
                String user = event.path("user").asText();
                return new Translation(PusherFrames.memberRemoved(channel, user), new SkipUser(user));
            }
            default -> {
                return null;
            }
        }
    }

    @Override
    public boolean accepts(Session recipient, String room, Translation translation) {
        Object skip = translation.skip();
        PusherSession session = skip == null ? null : recipient.endpointState(PusherSession.class);
        if (session == null) {
            return true;
        }
        if (skip instanceof SkipSocket socket) {
            return !socket.socketId().equals(session.socketId);
        }
        return !(skip instanceof SkipUser user) || !user.user().equals(session.userIn(room));
    }

    @Override
    public CloseCode closeReason(CloseCode nativeReason) {
        return switch (nativeReason.code()) {
            case 4002 -> PONG_NOT_RECEIVED;
            case 4008 -> OVER_CAPACITY;
            default -> nativeReason;
        };
    }
}
