package io.chorus.presence;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.RedisAddress;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.core.Vertx;

/** Presence lives where the backplane does: in Redis for a cluster, in memory for a single replica. */
final class PresenceSelection {

    @Produces
    @Singleton
    Presence presence(RedisAddress address, Instance<ReactiveRedisDataSource> redis, Vertx vertx, ChorusConfig config) {
        return address.isConfigured()
                ? new RedisPresence(redis.get(), vertx, config.channelPrefix(), config.replicaId(), config.presence().ttl(),
                        config.presence().heartbeat())
                : new LocalPresence();
    }

    void close(@Disposes Presence presence) {
        if (presence instanceof RedisPresence redis) {
            redis.close();
        }
    }
}
