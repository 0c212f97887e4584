package io.chorus.backplane;

import java.util.Optional;

import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.core.Vertx;

/**
 * Chooses the backplane: Redis when a Redis address is configured ({@code quarkus.redis.hosts} /
 * {@code QUARKUS_REDIS_HOSTS}), otherwise the embedded in-process one. The Redis client is only looked up when it is
 * used, so a replica with no Redis configured never tries to reach one.
 */
final class BackplaneSelection {

    private static final Logger LOG = Logger.getLogger(BackplaneSelection.class);

    @Produces
    @Singleton
    Backplane backplane(@ConfigProperty(name = "quarkus.redis.hosts") Optional<String> redisHosts,
            Instance<ReactiveRedisDataSource> redis, Vertx vertx, ChorusConfig config) {
        Backplane backplane = redisHosts.filter(h -> !h.isBlank())
                .<Backplane> map(hosts -> new RedisBackplane(redis.get(), vertx, withoutCredentials(hosts),
                        config.reconnect().initialDelay(), config.reconnect().maxDelay()))
                .orElseGet(LocalBackplane::new);
        LOG.infof("Replica %s uses the %s", config.replicaId(), backplane.description());
        return backplane;
    }

    /** {@code redis://user:secret@host:6379} becomes {@code redis://host:6379}, for logs. */
    static String withoutCredentials(String hosts) {
        return hosts.replaceAll("//[^/@,]*@", "//");
    }
}
