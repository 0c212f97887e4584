package io.chorus.hub;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.protocol.CloseCodes;
import io.quarkus.runtime.Startup;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;

/**
 * Closes connections that went quiet: the server pings every connection ({@code chorus.limits.ping-interval}), a live
 * client answers with a pong, so nothing at all for {@code chorus.limits.idle-timeout} means the peer is gone (a
 * half-open TCP connection) or stuck. Such a connection is closed with 4002 and leaves rooms and presence.
 */
@Startup
@Singleton
public class IdleConnections {

    private final LongAdder closed = new LongAdder();

    private static final Logger LOG = Logger.getLogger(IdleConnections.class);

    private final LocalConnections connections;
    private final Vertx vertx;
    private final long idleNanos;
    private final long timer;

    IdleConnections(LocalConnections connections, Vertx vertx, ChorusConfig config) {
        this.connections = connections;
        this.vertx = vertx;
        Duration idle = config.limits().idleTimeout();
        this.idleNanos = idle.toNanos();
        long sweep = Math.max(200, Math.min(idle.toMillis() / 4, 5_000));
        this.timer = vertx.setPeriodic(sweep, id -> sweep());
    }

    /** Something arrived from the connection (a frame or a pong). */
    public void seen(Session session) {
        session.seen();
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Session session : connections.snapshot()) {
            WebSocketConnection connection = session.connection();
            if (now - session.lastSeen() > idleNanos && connection.isOpen()) {
                LOG.debugf("Closing %s: idle for more than %d ms", connection.id(), idleNanos / 1_000_000);
                closed.increment();
                connection.close(Dialect.closeReasonFor(session, CloseCodes.IDLE)).subscribe().with(ok -> {
                }, failure -> LOG.debugf("Closing idle connection %s failed: %s", connection.id(), failure));
            }
        }
    }

    /** Connections closed for idleness since start. */
    public long closedCount() {
        return closed.sum();
    }

    @PreDestroy
    void stop() {
        vertx.cancelTimer(timer);
    }
}
