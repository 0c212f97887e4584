package io.chorus.auth;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Singleton;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
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

    /**
     * A verified token: whose it is, until when it is valid (seconds since the epoch, 0: no expiry), what its
     * {@code chorus} claim grants, and the scopes of its {@code scope} claim.
     */
    public record Verified(String user, long expires, Grant grant, List<String> scopes) {
    }

    private final JWTParser parser;

    TokenVerifier(JwtVerificationSettings settings) {
        this.parser = new DefaultJWTParser(settings.contextInfo());
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
                return new Verified(user, jwt.getExpirationTime(), grantOf(jwt.getClaim("chorus")), scopesOf(jwt));
            } catch (ParseException e) {
                throw new IllegalArgumentException("invalid token: " + e.getMessage(), e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static Grant grantOf(Object claim) {
        if (claim == null) {
            return Grant.DEFAULTS;
        }
        if (!(claim instanceof JsonObject grant)) {
            throw new IllegalArgumentException("the token's chorus claim is not an object");
        }
        return new Grant(patterns(grant, "subscribe"), patterns(grant, "publish"), patterns(grant, "presence"),
                patterns(grant, "direct"), flag(grant, "broadcast"), flag(grant, "online"));
    }

    private static List<String> patterns(JsonObject grant, String name) {
        JsonValue value = grant.get(name);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (!(value instanceof JsonArray array)) {
            throw new IllegalArgumentException("chorus." + name + " must be an array of room patterns");
        }
        List<String> patterns = new ArrayList<>(array.size());
        for (JsonValue element : array) {
            if (!(element instanceof JsonString pattern)) {
                throw new IllegalArgumentException("chorus." + name + " must hold strings");
            }
            patterns.add(pattern.getString());
        }
        return patterns;
    }

    private static Boolean flag(JsonObject grant, String name) {
        JsonValue value = grant.get(name);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (value.getValueType() != JsonValue.ValueType.TRUE && value.getValueType() != JsonValue.ValueType.FALSE) {
            throw new IllegalArgumentException("chorus." + name + " must be true or false");
        }
        return value.getValueType() == JsonValue.ValueType.TRUE;
    }

    private static List<String> scopesOf(JsonWebToken jwt) {
        Object scope = jwt.getClaim("scope");
        if (scope instanceof JsonString text) {
            scope = text.getString();
        }
        return scope instanceof String text ? List.of(text.trim().split("\\s+")) : List.of();
    }
}
