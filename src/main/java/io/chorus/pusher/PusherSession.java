package io.chorus.pusher;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.chorus.hub.Session;
import io.chorus.hub.TokenBucket;
import io.chorus.session.WebSocketLink;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * What a Pusher connection is beyond its {@link Session}: its app, its socket id, its channels, and its client-event
 * allowance (the session's endpoint state).
 */
final class PusherSession {

    /** A channel the socket is subscribed to: its room, and the user it is present as (presence channels). */
    record Subscription(String channel, String room, String user) {
    }

    final PusherApp app;
    final String socketId;
    private final Map<String, Subscription> byChannel = new ConcurrentHashMap<>();
    private final Map<String, Subscription> byRoom = new ConcurrentHashMap<>();
    private final TokenBucket clientEvents;

    PusherSession(PusherApp app, String socketId, int clientEventsPerSecond) {
        this.app = app;
        this.socketId = socketId;
        this.clientEvents = new TokenBucket(clientEventsPerSecond, clientEventsPerSecond);
    }

    static PusherSession of(WebSocketConnection connection) {
        return WebSocketLink.of(connection).endpointState(PusherSession.class);
    }

    /** Records a subscription; false when the socket already has (or is getting) this channel. */
    boolean add(Subscription subscription) {
        if (byChannel.putIfAbsent(subscription.channel(), subscription) != null) {
            return false;
        }
        byRoom.put(subscription.room(), subscription);
        return true;
    }

    Subscription remove(String channel) {
        Subscription removed = byChannel.remove(channel);
        if (removed != null) {
            byRoom.remove(removed.room());
        }
        return removed;
    }

    Subscription subscription(String channel) {
        return byChannel.get(channel);
    }

    /** The user this socket is present as in a room, or null. */
    String userIn(String room) {
        Subscription subscription = byRoom.get(room);
        return subscription == null ? null : subscription.user();
    }

    int count() {
        return byChannel.size();
    }

    Set<String> channels() {
        return Set.copyOf(byChannel.keySet());
    }

    /** Takes one client event from the socket's allowance ({@code chorus.pusher.client-event-rate} a second). */
    boolean tryClientEvent() {
        return clientEvents.tryTake();
    }
}
