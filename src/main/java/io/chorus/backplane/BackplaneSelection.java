package io.chorus.backplane;

import java.util.concurrent.Executor;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.RedisAddress;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Chooses the backplane: Redis when a Redis address is configured, otherwise the embedded in-process one. The
 * Redis client is only looked up when it is used, so a replica with no Redis configured never tries to reach one.
 */
final class BackplaneSelection {

    private static final Logger LOG = Logger.getLogger(BackplaneSelection.class);

    @Produces
    @Singleton
    Backplane backplane(RedisAddress address, Instance<ReactiveRedisDataSource> redis, Vertx vertx,
            ChorusConfig config) {
        Backplane backplane = address.isConfigured()
                ? new RedisBackplane(redis.get(), vertx, config.replicaId(), address.display(), address.isCluster(),
                        config.reconnect().initialDelay(), config.reconnect().maxDelay())
                : new LocalBackplane(new LocalBroker(serially(vertx)));
        LOG.infof("Replica %s uses the %s", config.replicaId(), backplane.description());
        return backplane;
    }

    /** One Vert.x context: its tasks run in order, on one event loop. */
    private static Executor serially(Vertx vertx) {
        Context context = vertx.getOrCreateContext();
        return task -> context.runOnContext(ignored -> task.run());
    }

    void close(@Disposes Backplane backplane) {
        if (backplane instanceof RedisBackplane redis) {
            redis.close();
        }
    }
}
