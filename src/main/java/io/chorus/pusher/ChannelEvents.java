package io.chorus.pusher;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chorus.ChorusConfig;
import io.chorus.hub.RoomRegistry;
import io.chorus.protocol.ServerFrames;
import io.chorus.protocol.StreamPosition;
import io.chorus.transport.MessageIds;
import io.smallrye.mutiny.Uni;

/**
 * Publishes a Pusher event on a channel: as a native {@code message} in the channel's room, whose payload is
 * {@code {"event":…,"data":…}}, through the room's history and backplane like any room message. So native members of
 * the room get it as they get every message, Pusher subscribers on every replica get it translated back
 * ({@link PusherDialect}), and it is encoded once.
 */
@Singleton
class ChannelEvents {

    private final RoomRegistry rooms;
    private final MessageIds ids;
    private final String replicaId;

    ChannelEvents(RoomRegistry rooms, MessageIds ids, ChorusConfig config) {
        this.rooms = rooms;
        this.ids = ids;
        this.replicaId = config.replicaId();
    }

    /**
     * @param from the user it comes from (a presence channel's client event), or null (a server, or a private channel)
     * @param exceptSocket the socket that must not receive it, or null
     */
    Uni<StreamPosition> publish(PusherApp app, String channel, String event, JsonNode data, String from,
            String exceptSocket) {
        ObjectNode payload = PusherFrames.MAPPER.createObjectNode();
        payload.put("event", event);
        payload.set("data", data);
        String room = app.roomOf(channel);
        String frame = ServerFrames.message(ids.next(), replicaId, from, System.currentTimeMillis(), room, null,
                exceptSocket, payload);
        return rooms.publish(room, frame);
    }
}
