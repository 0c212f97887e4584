package io.chorus.hub;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import io.quarkus.websockets.next.WebSocketConnection;

/** The open client connections of this replica: how many, and which (for the drain). */
@Singleton
public class LocalConnections {

    private final Set<WebSocketConnection> open = ConcurrentHashMap.newKeySet();

    public void add(WebSocketConnection connection) {
        open.add(connection);
    }

    public void remove(WebSocketConnection connection) {
        open.remove(connection);
    }

    public int count() {
        return open.size();
    }
    /** The open connections, for the drain. */
    public List<WebSocketConnection> snapshot() {
        return List.copyOf(open);
    }
}
