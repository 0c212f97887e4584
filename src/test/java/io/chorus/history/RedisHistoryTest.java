package io.chorus.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.RedisBackplane;
import io.chorus.testing.RedisTestResource;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/** History in Redis Streams against a real Redis. */
@QuarkusTest
@WithTestResource(RedisTestResource.class)
class RedisHistoryTest extends HistoryContract {

    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    Vertx vertx;

    private final List<RedisBackplane> observers = new ArrayList<>();

    @Override
    History history(int maxLength) {
        return new RedisHistory(redis, "test:", maxLength, Duration.ofHours(1), false);
    }

    @Override
    Backplane observer() {
        RedisBackplane backplane = new RedisBackplane(redis, vertx, "test", false, Duration.ofMillis(100),
                Duration.ofSeconds(1));
        observers.add(backplane);
        return backplane;
    }

    @AfterEach
    void closeObservers() {
        observers.forEach(RedisBackplane::close);
    }

    @Test
    void trimmingKeepsTheStreamAndRedisMemoryBounded() {
        History history = history(100);
        StreamName stream = stream();
        String key = "test:history:room:{" + stream.name() + "}:stream";
        String payload = "x".repeat(500);
        publish(history, stream, payload, 200);
        long afterWarmUp = usedMemory();
        long streamAfterWarmUp = memoryUsage(key);
        publish(history, stream, payload, 3000);
        long length = redis.stream(String.class).xlen(key).await().atMost(TIMEOUT);
        // trimmed approximately (MAXLEN ~): at least the 100 kept, at most a stream node (100 entries) more
        assertTrue(length >= 100 && length <= 200, "stream length " + length);
        long streamAfterMany = memoryUsage(key);
        assertTrue(streamAfterMany < streamAfterWarmUp * 2,
                "the stream does not grow with traffic: " + streamAfterWarmUp + " then " + streamAfterMany + " bytes");
        long growth = usedMemory() - afterWarmUp;
        assertTrue(growth < 3000L * payload.length() / 4,
                "Redis memory grew by " + growth + " bytes for 3000 more messages of " + payload.length() + " bytes");
    }

    @Test
    void readsOfManyRoomNamesCreateNoKeys() {
        History history = history(100);
        String prefix = "h-never-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 500; i++) {
            StreamName stream = StreamName.room(prefix + "-" + i);
            history.readAfter(stream, new io.chorus.protocol.StreamPosition(0, ""), 10).await().atMost(TIMEOUT);
            history.top(stream).await().atMost(TIMEOUT);
        }
        List<String> keys = redis.key().keys("test:history:room:{" + prefix + "*").await().atMost(TIMEOUT);
        assertEquals(List.of(), keys);
    }

    private static void publish(History history, StreamName stream, String payload, int count) {
        List<Uni<io.chorus.protocol.StreamPosition>> pending = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pending.add(history.publish(stream, "ch", frame(payload + i)));
            if (pending.size() == 100) {
                Uni.join().all(pending).andFailFast().await().atMost(TIMEOUT);
                pending.clear();
            }
        }
        if (!pending.isEmpty()) {
            Uni.join().all(pending).andFailFast().await().atMost(TIMEOUT);
        }
    }

    private long memoryUsage(String key) {
        return redis.execute("MEMORY", "USAGE", key).await().atMost(TIMEOUT).toLong();
    }

    private long usedMemory() {
        String info = redis.execute("INFO", "memory").await().atMost(TIMEOUT).toString();
        for (String line : info.split("\r\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new AssertionError("no used_memory in INFO memory");
    }
}
