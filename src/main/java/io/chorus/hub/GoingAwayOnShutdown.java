package io.chorus.hub;

import java.time.Duration;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.protocol.CloseCodes;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.smallrye.mutiny.Uni;

/**
 * On shutdown, tells every local client to reconnect elsewhere: a close frame with 1001 ("going away") instead of a
 * dropped TCP connection. It runs when the shutdown delay starts ({@code quarkus.shutdown.delay}), before the HTTP
 * server stops and drops connections itself. (Spreading the closes over a drain window is the deployment issue's
 * work.)
 */
@Singleton
class GoingAwayOnShutdown {

    private static final Logger LOG = Logger.getLogger(GoingAwayOnShutdown.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final LocalConnections connections;

    GoingAwayOnShutdown(LocalConnections connections) {
        this.connections = connections;
    }

    void onShutdown(@Observes ShutdownDelayInitiatedEvent event) {
        int open = connections.count();
        if (open == 0) {
            return;
        }
        LOG.infof("Shutting down: closing %d connection(s) with 1001", open);
        try {
            Uni.join().all(connections.closeAll(CloseCodes.GOING_AWAY)).andCollectFailures()
                    .await().atMost(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warnf("Not every connection closed cleanly within %s: %s", CLOSE_TIMEOUT, e.getMessage());
        }
    }
}
