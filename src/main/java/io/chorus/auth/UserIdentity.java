package io.chorus.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.hub.Permissions;
import io.chorus.hub.Session;
import io.chorus.protocol.Names;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.HandshakeRequest;
import io.smallrye.mutiny.Uni;

/**
 * The one seam where a connection gets its user id and permissions: the {@code sub} and {@code chorus} claim of the
 * JWT it connected with ({@link #accept}, called by the upgrade check {@code session.TokenAuthentication}) or sent in
 * its first frame ({@link #authenticate}); in anonymous mode (development), the {@code user} query parameter taken on
 * trust, or a made-up {@code anonymous-N}, with the default permissions.
 */
@Singleton
public class UserIdentity {

    private static final Logger LOG = Logger.getLogger(UserIdentity.class);

    private final boolean anonymousMode;
    private final TokenVerifier verifier;
    private final Authorization authorization;
    private final AtomicLong anonymous = new AtomicLong();

    private final boolean keyConfigured;

    UserIdentity(ChorusConfig config, TokenVerifier verifier, Authorization authorization,
            JwtVerificationSettings jwt) {
        this.anonymousMode = config.auth().anonymous();
        this.verifier = verifier;
        this.authorization = authorization;
        this.keyConfigured = jwt.hasKey();
    }

    void announce(@Observes StartupEvent event) {
        if (anonymousMode) {
            LOG.warn("Authentication: ANONYMOUS mode — user ids are taken on trust from ?user= (development only; "
                    + "chorus.auth.anonymous=false requires a JWT)");
        } else {
            LOG.info("Authentication: JWT required (?token= or a first 'auth' frame), verified with the "
                    + "mp.jwt.verify.* settings");
            if (!keyConfigured) {
                LOG.warn("Authentication: no verification key is configured (mp.jwt.verify.publickey, "
                        + "mp.jwt.verify.publickey.location or smallrye.jwt.verify.key.location): every token is refused");
            }
        }
    }

    /** Whether the connection still has to send its token in an {@code auth} frame (none came with the upgrade). */
    public boolean awaitsToken(Session session) {
        return !anonymousMode && session.tokenUser() == null;
    }

    /**
     * Verifies the token a connection sent in its {@code auth} frame and makes it the connection's identity, as if it
     * had come with the upgrade. The item is the user id; fails with the reason the token was refused.
     */
    public Uni<String> authenticate(Session session, String token) {
        return verifier.verify(token).map(verified -> {
            accept(session, verified);
            return verified.user();
        });
    }

    /** Makes a verified token the session's: its user, its expiry, and the permissions its grant gives that user. */
    public void accept(Session session, TokenVerifier.Verified verified) {
        session.token(verified.user(), verified.expires(),
                authorization.permissionsOf(verified.user(), verified.grant()));
    }

    /**
     * Settles who an authenticated connection is: its user id, and from then on its permissions (its token's, or the
     * defaults); empty when it has no user id it may use. In anonymous mode the id comes from the upgrade request.
     */
    public Optional<String> identify(Session session, HandshakeRequest upgrade) {
        String verified = session.tokenUser();
        Optional<String> user = verified != null ? Optional.of(verified)
                : anonymousMode ? userOf(upgrade) : Optional.empty();
        user.ifPresent(id -> {
            Permissions granted = session.takeGranted();
            session.permissions(granted != null ? granted : authorization.permissionsOf(id, Grant.DEFAULTS));
        });
        return user;
    }

    /**
     * Makes a refreshed token's grant the connection's permissions, in place of the old ones; the item is the old
     * permissions, so the caller can undo what they no longer allow (rooms it may no longer be in).
     */
    public Permissions regrant(Session session, String user, Grant grant) {
        return session.permissions(authorization.permissionsOf(user, grant));
    }

    /** Anonymous mode: the user id a handshake names; empty when it names an invalid one. */
    Optional<String> userOf(HandshakeRequest request) {
        String requested = queryParameter(request.query(), "user");
        if (requested == null || requested.isEmpty()) {
            return Optional.of("anonymous-" + anonymous.incrementAndGet());
        }
        return Names.isUser(requested) ? Optional.of(requested) : Optional.empty();
    }

    public static String queryParameter(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                try {
                    return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException malformed) {
                    return "\u0000";
                }
            }
        }
        return null;
    }
}
