package io.chorus.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * With {@code chorus.api.guard-management}, the metrics and the OpenAPI document on the main HTTP port
 * ({@code /q/metrics}, {@code /q/openapi}, {@code /q/swagger-ui}) ask for the server API's credentials
 * ({@link ApiAccess}); without them: 401, or 403 for a token without the admin scope. Health checks stay open for
 * load balancers and probes.
 */
@Singleton
class ManagementAccess {

    private static final int BEFORE_ROUTES = 100;

    private final boolean guarded;
    private final ApiAccess access;

    ManagementAccess(ChorusConfig config, ApiAccess access) {
        this.guarded = config.api().guardManagement();
        this.access = access;
    }

    void register(@Observes Filters filters) {
        if (guarded) {
            filters.register(this::check, BEFORE_ROUTES);
        }
    }

    private void check(RoutingContext request) {
        String path = request.normalizedPath();
        if (!(path.startsWith("/q/metrics") || path.startsWith("/q/openapi") || path.startsWith("/q/swagger-ui"))) {
            request.next();
            return;
        }
        Context context = Vertx.currentContext();
        access.refusal(request.request().getHeader(HttpHeaders.AUTHORIZATION)).subscribe().with(
                refused -> context.runOnContext(ignored -> {
                    if (refused == null) {
                        request.next();
                    } else {
                        request.response().setStatusCode(refused.getStatus())
                                .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
                                .putHeader("WWW-Authenticate", "Bearer realm=\"chorus\"")
                                .end("send Authorization: Bearer <API key or admin token>");
                    }
                }),
                failure -> context.runOnContext(ignored -> request.fail(failure)));
    }
}
