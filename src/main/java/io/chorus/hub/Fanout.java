package io.chorus.hub;

import org.jboss.logging.Logger;

import io.quarkus.websockets.next.WebSocketConnection;

/** Writes one already-encoded frame to many connections. */
final class Fanout {

    private static final Logger LOG = Logger.getLogger(Fanout.class);

    private Fanout() {
    }

    /**
     * Writes the same frame text to every open connection. Never blocks: each write is queued on its connection's
     * event loop, in call order, so every connection sees frames in the order they were handed over here.
     */
    static void write(Iterable<WebSocketConnection> connections, String frame) {
        for (WebSocketConnection connection : connections) {
            if (connection.isOpen()) {
                connection.sendText(frame).subscribe().with(ok -> {
                }, failure -> LOG.debugf("Dropped a frame for closing connection %s: %s", connection.id(), failure));
            }
        }
    }
}
