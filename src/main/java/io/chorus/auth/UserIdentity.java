package io.chorus.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;

import io.chorus.protocol.Names;
import io.quarkus.websockets.next.HandshakeRequest;

/**
 * The one seam where a connection gets its user id. For now the id is taken on trust from the {@code user} query
 * parameter, or made up for an anonymous connection; verified tokens replace this later without touching callers.
 */
@Singleton
public class UserIdentity {

    private final AtomicLong anonymous = new AtomicLong();

    /** The user id of a handshake; empty when the request names an invalid one. */
    public Optional<String> userOf(HandshakeRequest request) {
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
