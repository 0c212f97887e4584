package io.chorus.hub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.protocol.CloseCodes;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.smallrye.mutiny.Uni;

/**
 * Graceful drain on SIGTERM. When the shutdown delay starts — readiness is DOWN from then on, so the load balancer
 * stops sending new clients — the replica refuses new upgrades ({@link Draining}) and closes its open connections
 * with 1001 ("going away": reconnect elsewhere), spread in batches over {@code chorus.shutdown.drain-window} so the
 * surviving replicas are not stampeded by every client reconnecting at once. Reconnecting clients recover what
 * they missed from history. Then the shutdown delay runs and the HTTP server stops.
 */
@Singleton
class GoingAwayOnShutdown {

    private static final Logger LOG = Logger.getLogger(GoingAwayOnShutdown.class);
    private static final Duration BATCH_INTERVAL = Duration.ofMillis(100);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final LocalConnections connections;
    private final Draining draining;
    private final Duration window;

    GoingAwayOnShutdown(LocalConnections connections, Draining draining, ChorusConfig config) {
        this.connections = connections;
        this.draining = draining;
        this.window = config.shutdown().drainWindow();
    }

    /** Runs on the shutdown thread (not an event loop), so pausing between batches blocks no I/O. */
    void onShutdown(@Observes ShutdownDelayInitiatedEvent event) {
        draining.start();
        List<Session> open = connections.snapshot();
        if (open.isEmpty()) {
            return;
        }
        int batches = (int) Math.max(1, window.toMillis() / BATCH_INTERVAL.toMillis());
        int perBatch = Math.max(1, (open.size() + batches - 1) / batches);
        LOG.infof("Draining %d connection(s) over %s: %d batch(es) of up to %d, closed with 1001", open.size(), window,
                (open.size() + perBatch - 1) / perBatch, perBatch);
        List<Uni<Void>> closing = new ArrayList<>();
        for (int from = 0; from < open.size(); from += perBatch) {
            if (from > 0) {
                LockSupport.parkNanos(BATCH_INTERVAL.toNanos());
            }
            for (Session session : open.subList(from, Math.min(open.size(), from + perBatch))) {
                if (session.link().isOpen()) {
                    closing.add(goingAway(session));
                }
            }
        }
        // Connections whose admission ended between the drain's start and its list: close them too.
        Set<Session> listed = new HashSet<>(open);
        for (Session straggler : connections.snapshot()) {
            if (straggler.link().isOpen() && !listed.contains(straggler)) {
                closing.add(goingAway(straggler));
            }
        }
        try {
            if (!closing.isEmpty()) {
                Uni.join().all(closing).andCollectFailures().await().atMost(CLOSE_TIMEOUT);
            }
        } catch (RuntimeException e) {
            LOG.warnf("Not every connection closed cleanly within %s: %s", CLOSE_TIMEOUT, e.getMessage());
        }
        // A close is done when the client has answered it and the connection's @OnClose has run: wait for that, so
        // that no connection event reaches the endpoint after the application has stopped.
        long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
        while (connections.count() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(BATCH_INTERVAL.toNanos());
        }
        if (connections.count() > 0) {
            LOG.warnf("%d connection(s) still open after the drain", connections.count());
        }
    }

    /** Closes one session with 1001; a close that fails (the peer is gone already) is logged, and the drain goes on. */
    private static Uni<Void> goingAway(Session session) {
        return session.link().close(CloseCodes.GOING_AWAY)
                .onFailure().invoke(failure -> LOG.debugf("Closing %s with 1001 failed: %s", session.id(), failure))
                .onFailure().recoverWithNull();
    }
}
