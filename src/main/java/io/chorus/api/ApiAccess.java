package io.chorus.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.chorus.ChorusConfig;
import io.chorus.auth.TokenVerifier;
import io.smallrye.mutiny.Uni;

/**
 * Guards the server API ({@code /api/...}): a request must carry {@code Authorization: Bearer <credential>}, where
 * the credential is the API key ({@code chorus.api.key}) or a JWT whose {@code scope} holds
 * {@code chorus.api.admin-scope}. Missing or refused: 401; a valid token without the scope: 403.
 */
@ApplicationScoped // a client proxy: created on first request, not when REST builds its filter chain at static init
public class ApiAccess {

    private final Optional<byte[]> key;
    private final String adminScope;
    private final TokenVerifier verifier;

    ApiAccess(ChorusConfig config, TokenVerifier verifier) {
        this.key = config.api().key().filter(k -> !k.isBlank()).map(k -> k.getBytes(StandardCharsets.UTF_8));
        this.adminScope = config.api().adminScope();
        this.verifier = verifier;
    }

    @ServerRequestFilter
    public Uni<Response> check(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/api/")) {
            return Uni.createFrom().nullItem();
        }
        return refusal(request.getHeaderString(HttpHeaders.AUTHORIZATION));
    }

    /** The answer to a request with this {@code Authorization} header (may be null): null when it may pass. */
    Uni<Response> refusal(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Uni.createFrom().item(unauthorized("send Authorization: Bearer <API key or admin token>"));
        }
        String credential = header.substring(7).strip();
        if (key.isPresent() && MessageDigest.isEqual(key.get(), credential.getBytes(StandardCharsets.UTF_8))) {
            return Uni.createFrom().nullItem();
        }
        if (credential.chars().filter(c -> c == '.').count() != 2) {
            return Uni.createFrom().item(unauthorized("unknown API key"));
        }
        return verifier.verify(credential)
                .map(verified -> verified.scopes().contains(adminScope) ? null
                        : ApiError.response(Response.Status.FORBIDDEN, "forbidden",
                                "the token lacks the " + adminScope + " scope"))
                .onFailure().recoverWithItem(failure -> unauthorized("refused token: " + failure.getMessage()));
    }

    private static Response unauthorized(String message) {
        return Response.fromResponse(ApiError.response(Response.Status.UNAUTHORIZED, "unauthorized", message))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"chorus\"").build();
    }
}
