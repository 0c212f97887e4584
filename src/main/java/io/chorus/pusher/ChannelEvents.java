package io.chorus.pusher;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chorus.hub.Publisher;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * Publishes a Pusher event on a channel: as a native {@code message} in the channel's room, whose payload is
 * {@code {"event":…,"data":…}}, through the room's history and backplane like any room message. So native members of
 * the room get it as they get every message, Pusher subscribers on every replica get it translated back
 * ({@link PusherDialect}), and it is encoded once.
 */
@Singleton
class ChannelEvents {

    private final Publisher publisher;

    ChannelEvents(Publisher publisher) {
        this.publisher = publisher;
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
        return publisher.toRoom(app.roomOf(channel), from, exceptSocket, payload).map(Publisher.Published::position);
    }
}
