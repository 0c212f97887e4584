package io.chorus.hub;

import java.time.Duration;
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

/**
 * Graceful drain on SIGTERM. When the shutdown delay starts — readiness is DOWN from then on, so the load balancer
 * stops sending new clients — the replica refuses new upgrades ({@link Draining}) and closes its open connections
 * with 1001 ("going away": reconnect elsewhere), batch by batch over {@code chorus.shutdown.drain-window}, so the
 * surviving replicas are not stampeded by every client reconnecting at once. Reconnecting clients recover what
 * they missed from history.
 * <p>
 * Each batch's closes go out when the batch is due, counted from the drain's start (a close is sent when subscribed
 * to; a batch that is late because the replica is loaded goes out at once). After the last batch the
 * clients have {@link #ANSWER_TIMEOUT} to answer their Close; the TCP connections of those that have not are then
 * closed by the server, so a client that stopped reading cannot hold the shutdown. Then the shutdown delay runs and
 * the HTTP server stops.
 */
@Singleton
class GoingAwayOnShutdown {

    private static final Logger LOG = Logger.getLogger(GoingAwayOnShutdown.class);
    private static final Duration BATCH_INTERVAL = Duration.ofMillis(100);
    /** How long after the last batch a client may take to answer its 1001 before its TCP connection is closed. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(3);
    /** How long the closes of the connections that did not answer may take to reach the endpoint's close handling. */
    private static final Duration ABORT_TIMEOUT = Duration.ofSeconds(2);

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
        // Each batch has its due time from the drain's start, so a replica slowed by load does not stretch the window
        // by the time its batches take: a late batch goes out at once.
        long start = System.nanoTime();
        for (int from = 0, batch = 0; from < open.size(); from += perBatch, batch++) {
            parkUntil(start + batch * BATCH_INTERVAL.toNanos());
            for (Session session : open.subList(from, Math.min(open.size(), from + perBatch))) {
                goingAway(session);
            }
        }
        // Connections whose admission ended between the drain's start and its list: close them too.
        Set<Session> listed = new HashSet<>(open);
        for (Session straggler : connections.snapshot()) {
            if (!listed.contains(straggler)) {
                goingAway(straggler);
            }
        }
        // A close is done when the client has answered it and the connection's @OnClose has run: wait for that, so
        // that no connection event reaches the endpoint after the application has stopped.
        if (awaitNoConnections(ANSWER_TIMEOUT)) {
            return;
        }
        List<Session> silent = connections.snapshot();
        LOG.warnf("%d connection(s) did not answer their 1001 within %s: closing their TCP connections", silent.size(),
                ANSWER_TIMEOUT);
        for (Session session : silent) {
            Fanout.Outlet outlet = session.outlet();
            if (outlet != null) {
                outlet.closeNow();
            }
        }
        if (!awaitNoConnections(ABORT_TIMEOUT)) {
            LOG.warnf("%d connection(s) still open after the drain", connections.count());
        }
    }

    private static void parkUntil(long dueNanos) {
        for (long wait = dueNanos - System.nanoTime(); wait > 0; wait = dueNanos - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
    }

    private boolean awaitNoConnections(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (connections.count() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(BATCH_INTERVAL.toNanos());
        }
        return connections.count() == 0;
    }

    /**
     * Sends one session its 1001 (its dialect's going-away code) now; a close that fails (the peer is gone already) is
     * logged, and the drain goes on.
     */
    private static void goingAway(Session session) {
        if (!session.link().isOpen()) {
            return;
        }
        session.link().close(Dialect.closeReasonFor(session, CloseCodes.GOING_AWAY)).subscribe().with(ok -> {
        }, failure -> LOG.debugf("Closing %s with 1001 failed: %s", session.id(), failure));
    }
}
