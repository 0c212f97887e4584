package io.chorus.auth;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.hub.Link;
import io.chorus.hub.Session;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.protocol.CloseCodes;
import io.vertx.core.Vertx;

/**
 * A connection that came without a token has {@code chorus.auth.handshake-timeout} to send its {@code auth} frame;
 * then it is closed with 4003, so unauthenticated sockets cannot pile up.
 */
@Singleton
public class AuthenticationDeadline {

    private static final Logger LOG = Logger.getLogger(AuthenticationDeadline.class);

    private final ConnectionTimer timer;
    private final long timeoutMillis;
    private final ChorusMeters meters;

    AuthenticationDeadline(Vertx vertx, ChorusConfig config, ChorusMeters meters) {
        this.timer = new ConnectionTimer(vertx, Session.Timer.AUTH_DEADLINE);
        this.timeoutMillis = config.auth().handshakeTimeout().toMillis();
        this.meters = meters;
    }

    public void arm(Session session) {
        timer.arm(session, timeoutMillis, () -> {
            Link link = session.link();
            if (link.isOpen()) {
                meters.refused(Refusal.AUTHENTICATION);
                link.close(CloseCodes.NOT_AUTHENTICATED).subscribe().with(ok -> {
                }, failure -> LOG.debugf("Closing %s after the auth deadline failed: %s", link.id(), failure));
            }
        });
    }

    /** The connection authenticated, or closed. */
    public void disarm(Session session) {
        timer.cancel(session);
    }
}
