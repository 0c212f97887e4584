package io.chorus.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.WebSocketConnection;

import io.chorus.protocol.Names;
import io.quarkus.websockets.next.HandshakeRequest;

/**
 * The one seam where a connection gets its user id: the {@code sub} of the JWT it connected with
 * ({@link TokenAuthentication}); in anonymous mode (development), the {@code user} query parameter taken on trust,
 * or a made-up {@code anonymous-N}.
 */
@Singleton
public class UserIdentity {

    private static final Logger LOG = Logger.getLogger(UserIdentity.class);

    private final boolean anonymousMode;

    UserIdentity(ChorusConfig config) {
        this.anonymousMode = config.auth().anonymous();
    }

    void announce(@Observes StartupEvent event) {
        if (anonymousMode) {
            LOG.warn("Authentication: ANONYMOUS mode — user ids are taken on trust from ?user= (development only; "
                    + "chorus.auth.anonymous=false requires a JWT)");
        } else {
            LOG.info("Authentication: JWT required (?token=), verified with the mp.jwt.verify.* settings");
        }
    }

    /** The user id of an opened connection; empty when it has none it may use. */
    public Optional<String> userOf(WebSocketConnection connection) {
        String verified = connection.userData().get(TokenAuthentication.USER);
        if (verified != null) {
            return Optional.of(verified);
        }
        return anonymousMode ? userOf(connection.handshakeRequest()) : Optional.empty();
    }

    private final AtomicLong anonymous = new AtomicLong();

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
