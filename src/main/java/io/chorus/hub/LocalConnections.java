package io.chorus.hub;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.protocol.CloseCodes;
import io.quarkus.websockets.next.WebSocketConnection;

/** The open client connections of this replica: how many, and which (for the drain). */
@Singleton
public class LocalConnections {

    private static final Logger LOG = Logger.getLogger(LocalConnections.class);

    private final Set<WebSocketConnection> open = ConcurrentHashMap.newKeySet();
    private final Draining draining;

    LocalConnections(Draining draining) {
        this.draining = draining;
    }

    /**
     * Registers an admitted connection. While the replica drains, a connection whose admission ends now (it was
     * upgraded before the drain began, and so missed the drain's list) is closed with 1001 instead: nothing may stay
     * open into the shutdown.
     */
    public void add(WebSocketConnection connection) {
        open.add(connection);
        if (draining.isDraining()) {
            open.remove(connection);
            connection.close(Dialect.closeReasonFor(connection, CloseCodes.GOING_AWAY)).subscribe().with(ok -> {
            }, failure -> LOG.debugf("Closing %s admitted during the drain failed: %s", connection.id(), failure));
        }
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
