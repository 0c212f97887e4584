package io.chorus.auth;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Verifies a client's JWT with SmallRye JWT: signature against the configured key (RS256/ES256 public key, HS256
 * secret, or a JWKS URL), expiry, issuer and audience ({@code mp.jwt.verify.*}); {@code alg: none} is never
 * accepted. Verification may fetch keys, so it runs on a worker thread, never on an event loop.
 */
@Singleton
public class TokenVerifier {

    /** A verified token: whose it is, and until when it is valid (seconds since the epoch, 0: no expiry). */
    public record Verified(String user, long expires) {
    }

    private final JWTParser parser;

    TokenVerifier(JWTParser parser) {
        this.parser = parser;
    }

    /** The verified token, or a failure saying why it was refused. */
    public Uni<Verified> verify(String token) {
        return Uni.createFrom().item(() -> {
            try {
                JsonWebToken jwt = parser.parse(token);
                String user = jwt.getSubject();
                if (user == null || !io.chorus.protocol.Names.isUser(user)) {
                    throw new IllegalArgumentException("the token's sub is not a valid user id");
                }
                return new Verified(user, jwt.getExpirationTime());
            } catch (ParseException e) {
                throw new IllegalArgumentException("invalid token: " + e.getMessage(), e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
