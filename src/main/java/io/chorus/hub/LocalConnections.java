package io.chorus.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/** The open client connections of this replica, and delivery of one already-encoded frame to all of them. */
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

    /** Closes every open connection with the reason; one Uni per connection. */
    public List<Uni<Void>> closeAll(CloseReason reason) {
        List<Uni<Void>> closing = new ArrayList<>();
        for (WebSocketConnection connection : open) {
            if (connection.isOpen()) {
                closing.add(connection.close(reason).onFailure().recoverWithNull());
            }
        }
        if (closing.isEmpty()) {
            closing.add(Uni.createFrom().voidItem());
        }
        return closing;
    }

    /** The open connections, for the drain. */
    public List<WebSocketConnection> snapshot() {
        return List.copyOf(open);
    }
}
