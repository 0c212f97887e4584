package io.chorus.backplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

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
        RedisBackplane replica = new RedisBackplane(redis, vertx, "backplane-test", hosts, false,
                Duration.ofMillis(100), Duration.ofSeconds(1));
        replicas.add(replica);
        return replica;
    }

    @Test
    void theSubscriberConnectionIsNamedForItsReplica() {
        replica().subscribe("named-" + UUID.randomUUID(), m -> {
        }).whenLive().await().atMost(Duration.ofSeconds(10));
        String clients = redis.execute("CLIENT", "LIST", "TYPE", "pubsub").await().atMost(Duration.ofSeconds(10))
                .toString();
        assertTrue(clients.contains(" name=chorus-subscriber:backplane-test "), clients);
    }

    @Test
    void subscriptionsMadeInOneEventLoopTickGoToRedisAsOneSubscribe() throws Exception {
        Backplane replica = replica();
        String prefix = "tick-" + UUID.randomUUID() + "-";
        replica.subscribe(prefix + "first", m -> {
        }).whenLive().await().atMost(Duration.ofSeconds(10)); // the subscriber connection is up
        long before = subscribeCalls();
        List<Subscription> storm = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        vertx.runOnContext(ignored -> {
            for (int i = 0; i < 100; i++) {
                storm.add(replica.subscribe(prefix + i, m -> {
                }));
            }
            subscribed.complete(null);
        });
        subscribed.get(10, TimeUnit.SECONDS);
        for (Subscription subscription : storm) {
            subscription.whenLive().await().atMost(Duration.ofSeconds(10));
        }
        assertEquals(1, subscribeCalls() - before, "100 subscriptions of one tick, one SUBSCRIBE");
    }

    private long subscribeCalls() {
        String stats = redis.execute("INFO", "commandstats").await().atMost(Duration.ofSeconds(10)).toString();
        Matcher calls = Pattern.compile("cmdstat_subscribe:calls=(\\d+)").matcher(stats);
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }

    @Override
    void closeReplicas() {
        replicas.forEach(RedisBackplane::close);
        replicas.clear();
    }
}
