package io.chorus.session;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.protocol.CloseCodes;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClosedException;

/**
 * What every endpoint does when handling a connection fails: a message over {@code chorus.limits.max-message-bytes}
 * (the codec's limit) closes with 1009, as RFC 6455 §7.4.1 says; a connection that already went away is let go;
 * anything else unexpected closes with 1011 and is logged.
 */
@Singleton
public class ConnectionFailures {

    private static final Logger LOG = Logger.getLogger(ConnectionFailures.class);

    private final ChorusMeters meters;

    ConnectionFailures(ChorusMeters meters) {
        this.meters = meters;
    }

    public Uni<Void> close(Throwable failure, WebSocketConnection connection) {
        if (CloseCodes.isMessageTooBig(failure)) {
            meters.refused(Refusal.MESSAGE_TOO_BIG);
            return connection.close(WebSocketLink.reasonOf(CloseCodes.MESSAGE_TOO_BIG));
        }
        if (connection.isClosed() || failure instanceof HttpClosedException) {
            LOG.debugf("Connection %s went away: %s", connection.id(), failure);
            return Uni.createFrom().voidItem();
        }
        LOG.errorf(failure, "Closing %s after an unexpected failure", connection.id());
        return connection.close(WebSocketLink.reasonOf(CloseCodes.INTERNAL_ERROR));
    }
}
