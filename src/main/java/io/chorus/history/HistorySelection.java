package io.chorus.history;

import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.RedisAddress;
import io.chorus.backplane.Backplane;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;

/** History lives where the backplane does: Redis Streams for a cluster, memory for a single replica. */
final class HistorySelection {

    @Produces
    @Singleton
    History history(RedisAddress address, Instance<ReactiveRedisDataSource> redis, Backplane backplane,
            ChorusConfig config) {
        return address.isConfigured()
                ? new RedisHistory(redis.get(), config.channelPrefix(), config.history().maxLength(),
                        config.history().ttl(), address.isCluster())
                : new LocalHistory(backplane, config.history().maxLength(), config.history().ttl(),
                        config.history().maxLocalStreams());
    }
}
