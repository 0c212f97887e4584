package io.chorus.redis;

import java.util.Optional;

import jakarta.inject.Singleton;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.quarkus.redis.runtime.client.VertxRedisClientFactory;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/**
 * The options Quarkus built the default Redis client with (hosts, credentials, TLS, timeouts, from
 * {@code quarkus.redis.*}), kept as Quarkus hands them to its customizers, so Chorus can make a client of its own
 * that reaches the same Redis the same way.
 */
@Singleton
public class DefaultRedisOptions implements RedisOptionsCustomizer {

    private volatile RedisOptions options;

    @Override
    public void customize(String clientName, RedisOptions options) {
        if (VertxRedisClientFactory.DEFAULT_CLIENT.equals(clientName)) {
            this.options = new RedisOptions(options);
        }
    }

    /**
     * A new client for the {@link EventLoopConnection} of the calling event loop, and for nothing else, or empty when
     * Quarkus has built no default client. Every connection a Vert.x Redis client opens is bound to the context the
     * client was made on (its connection manager keeps that one), so a client made on an event loop opens connections
     * that are written and answered on that loop; the default client's are all on the context it was made on at
     * start-up, and every call from another loop hops there and back. The caller closes it.
     */
    public Optional<Redis> eventLoopClient(Vertx vertx) {
        RedisOptions defaults = options;
        if (defaults == null) {
            return Optional.empty();
        }
        // one connection in use, and room for the next while a lost one is being closed
        RedisOptions own = new RedisOptions(defaults).setMaxPoolSize(2).setMaxPoolWaiting(16);
        // made on the loop's root context, not on the duplicated context of the request that happens to ask first,
        // which the client would keep (with that request's local data) for its life
        Context current = Vertx.currentContext();
        ContextInternal root = current != null && VertxContext.getRootContext(current) instanceof ContextInternal r
                && r != current ? r : null;
        ContextInternal previous = root == null ? null : root.beginDispatch();
        try {
            return Optional.of(new Redis(io.vertx.redis.client.Redis.createClient(vertx, own)));
        } finally {
            if (root != null) {
                root.endDispatch(previous);
            }
        }
    }
}
