package io.chorus.auth;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.hub.Link;
import io.chorus.hub.Session;
import io.chorus.protocol.CloseCodes;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Long-lived connections outlive their tokens: when a connection's token expires it is closed with 4001, unless the
 * client sent a fresh token for the same user over the socket ({@code refresh}) before then.
 */
@Singleton
public class TokenExpiry {

    private static final Logger LOG = Logger.getLogger(TokenExpiry.class);

    private final ConnectionTimer timer;
    private final TokenVerifier verifier;

    TokenExpiry(Vertx vertx, TokenVerifier verifier) {
        this.timer = new ConnectionTimer(vertx, Session.Timer.TOKEN_EXPIRY);
        this.verifier = verifier;
    }

    /** Arms the close at the connection's token expiry, if it has one. */
    public void watch(Session session) {
        long expires = session.tokenExpires();
        if (expires <= 0) {
            return;
        }
        timer.arm(session, expires * 1000 - System.currentTimeMillis(), () -> {
            long now = session.tokenExpires();
            Link link = session.link();
            if (now > 0 && now * 1000 <= System.currentTimeMillis() && link.isOpen()) {
                link.close(CloseCodes.TOKEN_EXPIRED).subscribe().with(ok -> {
                }, failure -> LOG.debugf("Closing %s on token expiry failed: %s", link.id(), failure));
            }
        });
    }

    /**
     * Replaces the connection's token with a fresh one for the same user; the item is the verified token, whose grant
     * the caller applies ({@link UserIdentity#regrant}).
     */
    public Uni<TokenVerifier.Verified> refresh(Session session, String user, String token) {
        return verifier.verify(token).map(verified -> {
            if (!verified.user().equals(user)) {
                throw new IllegalArgumentException("the token is for another user");
            }
            session.tokenExpires(verified.expires());
            watch(session);
            return verified;
        });
    }

    /** Disarms the close (the connection closed). */
    public void forget(Session session) {
        timer.cancel(session);
    }
}
