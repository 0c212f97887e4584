package io.chorus.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import jakarta.inject.Singleton;

import io.quarkus.websockets.next.HandshakeRequest;

/**
 * The one seam where a connection gets its user id. For now the id is taken on trust from the {@code user} query
 * parameter, or made up for an anonymous connection; verified tokens replace this later without touching callers.
 */
@Singleton
public class UserIdentity {

    /** What a user id may look like: 1 to 64 letters, digits and {@code . _ - @ :}. */
    public static final Pattern VALID = Pattern.compile("[A-Za-z0-9._@:-]{1,64}");

    private final AtomicLong anonymous = new AtomicLong();

    /** The user id of a handshake; empty when the request names an invalid one. */
    public Optional<String> userOf(HandshakeRequest request) {
        String requested = queryParameter(request.query(), "user");
        if (requested == null || requested.isEmpty()) {
            return Optional.of("anonymous-" + anonymous.incrementAndGet());
        }
        return VALID.matcher(requested).matches() ? Optional.of(requested) : Optional.empty();
    }

    static String queryParameter(String query, String name) {
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
