package io.chorus.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/** The open client connections of this replica, and delivery of one already-encoded frame to all of them. */
@Singleton
public class LocalConnections {

    private static final Logger LOG = Logger.getLogger(LocalConnections.class);

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

    /**
     * Writes the same frame text to every open connection. Never blocks: each write is queued on its connection's
     * event loop, in call order, so every connection sees frames in the order they were delivered here.
     */
    public void deliver(String frame) {
        for (WebSocketConnection connection : open) {
            if (connection.isOpen()) {
                connection.sendText(frame).subscribe().with(ok -> {
                }, failure -> LOG.debugf("Dropped a frame for closing connection %s: %s", connection.id(), failure));
            }
        }
    }
}
