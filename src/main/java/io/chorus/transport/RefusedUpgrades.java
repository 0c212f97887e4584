package io.chorus.transport;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Closes the TCP connection of every WebSocket upgrade that is answered with anything but 101 (a refusal by any
 * upgrade check: 400, 401, 403, 429, 503; or no such endpoint), right after the answer: a client that meant to open a
 * WebSocket does not reuse the connection for HTTP, and a flood of refused upgrades must not hold a file descriptor
 * each until the HTTP idle timeout. The answer says so ({@code Connection: close}).
 */
@Singleton
class RefusedUpgrades {

    /** Before every route (the WebSocket endpoints are routes). */
    private static final int PRIORITY = 1000;

    void register(@Observes Filters filters) {
        filters.register(this::filter, PRIORITY);
    }

    private void filter(RoutingContext context) {
        String upgrade = context.request().getHeader(HttpHeaders.UPGRADE);
        if (upgrade != null && upgrade.equalsIgnoreCase("websocket")) {
            context.addHeadersEndHandler(ignored -> {
                if (context.response().getStatusCode() != 101) {
                    context.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
                }
            });
            context.addEndHandler(ignored -> {
                if (context.response().getStatusCode() != 101) {
                    context.response().close();
                }
            });
        }
        context.next();
    }
}
