package io.chorus.backplane;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.chorus.testing.RedisTestResource;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;

/** The Redis backplane against a real Redis: each replica is its own RedisBackplane on the same server. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class RedisBackplaneTest extends BackplaneContract {

    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String hosts;

    private final List<RedisBackplane> replicas = new ArrayList<>();

    @Override
    Backplane replica() {
        RedisBackplane replica = new RedisBackplane(redis, vertx, hosts, false, Duration.ofMillis(100), Duration.ofSeconds(1));
        replicas.add(replica);
        return replica;
    }

    @Override
    void closeReplicas() {
        replicas.forEach(RedisBackplane::close);
        replicas.clear();
    }
}
