package io.chorus.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.Envelope;
import io.chorus.backplane.RedisBackplane;
import io.chorus.protocol.StreamPosition;
import io.chorus.redis.DefaultRedisOptions;
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

    /** How long nothing more must arrive for a test to say that nothing did. */
    private static final Duration QUIET = Duration.ofMillis(300);

    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    Vertx vertx;

    @Inject
    DefaultRedisOptions clientOptions;

    private final List<RedisBackplane> observers = new ArrayList<>();
    private final List<RedisHistory> histories = new ArrayList<>();

    /** A history as a replica makes it, closed after the test (its event loops' connections with it). */
    private RedisHistory redisHistory(int maxLength, Duration publishWindow) {
        RedisHistory history = new RedisHistory(redis, clientOptions, vertx, "test:", maxLength, Duration.ofHours(1),
                false, publishWindow);
        histories.add(history);
        return history;
    }

    @Override
    History history(int maxLength) {
        return redisHistory(maxLength, Duration.ZERO);
    }

    @Override
    Backplane observer() {
        RedisBackplane backplane = new RedisBackplane(redis, vertx, "history-test", "test", false,
                Duration.ofMillis(100), Duration.ofSeconds(1));
        observers.add(backplane);
        return backplane;
    }

    @AfterEach
    void closeObservers() {
        observers.forEach(RedisBackplane::close);
        histories.forEach(RedisHistory::close);
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

    @Test
    void publishesPendingTogetherShareOneCallAndKeepTheirOrder() throws InterruptedException {
        RedisHistory history = redisHistory(100, Duration.ofMillis(200));
        StreamName first = stream();
        StreamName second = stream();
        java.util.concurrent.BlockingQueue<String> live = new java.util.concurrent.LinkedBlockingQueue<>();
        Backplane observer = observer();
        observer.subscribe("ch-" + first.name(), live::add).whenLive().await().atMost(TIMEOUT);
        observer.subscribe("ch-" + second.name(), live::add).whenLive().await().atMost(TIMEOUT);
        List<Uni<io.chorus.protocol.StreamPosition>> publishes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            StreamName stream = i % 2 == 0 ? first : second;
            publishes.add(history.publish(stream, "ch-" + stream.name(), frame("m" + i)).memoize().indefinitely());
        }
        publishes.forEach(publish -> publish.subscribe().with(ignored -> {
        }, ignored -> {
        }));
        List<io.chorus.protocol.StreamPosition> positions = new ArrayList<>();
        for (Uni<io.chorus.protocol.StreamPosition> publish : publishes) {
            positions.add(publish.await().atMost(TIMEOUT));
        }
        assertEquals(1, history.publishCalls(), "20 publishes within the window, one call");
        for (int i = 0; i < 20; i++) {
            assertEquals(i / 2 + 1, positions.get(i).offset(), "each stream's offsets in publish order");
        }
        for (int i = 0; i < 20; i++) {
            Envelope delivered = Envelope.decode(live.poll(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(delivered.frame().contains("\"m" + i + "\""), "published in order: " + delivered.frame());
            assertEquals(positions.get(i), delivered.position());
        }
    }

    @Test
    void aBatchHoldsAtMostSixtyFourMessagesAndTheRestWaitsForTheWindow() {
        RedisHistory history = redisHistory(1000, Duration.ofMillis(300));
        StreamName stream = stream();
        long start = System.nanoTime();
        List<Uni<io.chorus.protocol.StreamPosition>> publishes = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            Uni<io.chorus.protocol.StreamPosition> publish = history.publish(stream, "ch", frame("m" + i)).memoize()
                    .indefinitely();
            publish.subscribe().with(ignored -> {
            }, ignored -> {
            });
            publishes.add(publish);
        }
        java.util.Set<Long> offsets = new java.util.TreeSet<>();
        for (int i = 0; i < 128; i++) {
            offsets.add(publishes.get(i).await().atMost(TIMEOUT).offset());
        }
        long fullBatchesMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(fullBatchesMillis < 250, "two full batches go at once, not after the window: " + fullBatchesMillis);
        for (int i = 128; i < 150; i++) {
            offsets.add(publishes.get(i).await().atMost(TIMEOUT).offset());
        }
        long allMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(allMillis >= 290, "the last 22 waited for the window: " + allMillis);
        assertEquals(3, history.publishCalls(), "64 + 64 + 22");
        assertEquals(150, offsets.size());
        assertEquals(1L, offsets.iterator().next());
        assertEquals(150L, ((java.util.TreeSet<Long>) offsets).last());
    }

    @Test
    void aLonePublishWithoutAWindowGoesAtOnce() {
        RedisHistory history = redisHistory(100, Duration.ZERO);
        StreamName stream = stream();
        history.publish(stream, "ch", frame("warm")).await().atMost(TIMEOUT);
        long start = System.nanoTime();
        assertEquals(2, history.publish(stream, "ch", frame("m")).await().atMost(TIMEOUT).offset());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 200, "no wait without a window: " + millis + " ms");
        assertEquals(2, history.publishCalls());
    }

    @Test
    void aFailingMessageInABatchFailsAloneAndTheOthersArePublished() throws InterruptedException {
        RedisHistory history = batchingHistory();
        StreamName first = stream();
        StreamName broken = stream();
        StreamName third = stream();
        // a stream key of the wrong type: XADD would fail for the middle message alone
        redis.value(String.class).set(key(broken, "stream"), "not a stream").await().atMost(TIMEOUT);
        BlockingQueue<String> firstLive = watch(channel(first));
        BlockingQueue<String> brokenLive = watch(channel(broken));
        BlockingQueue<String> thirdLive = watch(channel(third));

        List<Uni<StreamPosition>> publishes = publishTogether(history, List.of(first, broken, third));

        StreamPosition firstAt = publishes.get(0).await().atMost(TIMEOUT);
        Throwable failure = failureOf(publishes.get(1));
        StreamPosition thirdAt = publishes.get(2).await().atMost(TIMEOUT);
        assertEquals(1, history.publishCalls(), "the three shared one call");
        assertTrue(String.valueOf(failure.getMessage()).contains("WRONGTYPE"), "its own error: " + failure);
        assertEquals(List.of(firstAt), positionsIn(history, first), "the first is in its stream");
        assertEquals(List.of(thirdAt), positionsIn(history, third), "the third is in its stream");
        assertEquals(firstAt, Envelope.decode(firstLive.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).position());
        assertEquals(thirdAt, Envelope.decode(thirdLive.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).position());
        assertNull(brokenLive.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS), "the failed one was not published");
        assertEquals("not a stream", redis.value(String.class).get(key(broken, "stream")).await().atMost(TIMEOUT),
                "its stream key is untouched");
        assertFalse(redis.key().exists(key(broken, "meta")).await().atMost(TIMEOUT),
                "no meta (no epoch, no offset) was written for it");
        Throwable alone = failureOf(history.publish(broken, channel(broken), frame("alone")));
        assertEquals(alone.getClass(), failure.getClass(), "it fails as a publish of its own does");
    }

    @Test
    void aMessageWhoseMetaKeyIsBrokenFailsAloneInItsBatchAndWritesNoStream() {
        RedisHistory history = batchingHistory();
        StreamName first = stream();
        StreamName broken = stream();
        StreamName third = stream();
        redis.value(String.class).set(key(broken, "meta"), "not a hash").await().atMost(TIMEOUT);

        List<Uni<StreamPosition>> publishes = publishTogether(history, List.of(first, broken, third));

        assertEquals(1, publishes.get(0).await().atMost(TIMEOUT).offset());
        assertTrue(String.valueOf(failureOf(publishes.get(1)).getMessage()).contains("WRONGTYPE"));
        assertEquals(1, publishes.get(2).await().atMost(TIMEOUT).offset());
        assertEquals(1, history.publishCalls());
        assertFalse(redis.key().exists(key(broken, "stream")).await().atMost(TIMEOUT), "no entry was written for it");
        assertEquals("not a hash", redis.value(String.class).get(key(broken, "meta")).await().atMost(TIMEOUT));
    }

    @Test
    void aFailedMessageTakesNoOffsetSoTheNextOfItsStreamFollowsTheLastOneStored() {
        RedisHistory history = batchingHistory();
        StreamName stream = stream();
        StreamPosition before = history.publish(stream, channel(stream), frame("before")).await().atMost(TIMEOUT);
        // the stream key goes wrong after the meta counted one offset: the next message's XADD fails
        redis.key().del(key(stream, "stream")).await().atMost(TIMEOUT);
        redis.value(String.class).set(key(stream, "stream"), "not a stream").await().atMost(TIMEOUT);
        List<Uni<StreamPosition>> publishes = publishTogether(history, List.of(stream(), stream));
        failureOf(publishes.get(1));
        redis.key().del(key(stream, "stream")).await().atMost(TIMEOUT);

        StreamPosition after = history.publish(stream, channel(stream), frame("after")).await().atMost(TIMEOUT);

        assertEquals(new StreamPosition(before.offset() + 1, before.epoch()), after, "no offset is left without a message");
    }

    @Test
    void aStreamLeftWithoutItsMetaBeginsItsNewEpochEmpty() {
        RedisHistory history = batchingHistory();
        StreamName stream = stream();
        for (int i = 0; i < 3; i++) {
            history.publish(stream, channel(stream), frame("old" + i)).await().atMost(TIMEOUT);
        }
        // the meta is gone (evicted, deleted) but the stream is not: that history, of a lost epoch, is read by no one
        redis.key().del(key(stream, "meta")).await().atMost(TIMEOUT);

        List<Uni<StreamPosition>> publishes = publishTogether(history, List.of(stream, stream));

        StreamPosition first = publishes.get(0).await().atMost(TIMEOUT);
        StreamPosition second = publishes.get(1).await().atMost(TIMEOUT);
        assertEquals(List.of(1L, 2L), List.of(first.offset(), second.offset()), "the new epoch starts at 1");
        assertEquals(List.of(first, second), positionsIn(history, stream), "only the new epoch's messages are read");
        assertEquals(2L, redis.stream(String.class).xlen(key(stream, "stream")).await().atMost(TIMEOUT),
                "the lost epoch's entries are gone from the stream");
    }

    @Test
    void aPublishAloneToAStreamLeftWithoutItsMetaBeginsItsNewEpochEmpty() {
        History history = history(100);
        StreamName stream = stream();
        for (int i = 0; i < 3; i++) {
            history.publish(stream, channel(stream), frame("old" + i)).await().atMost(TIMEOUT);
        }
        redis.key().del(key(stream, "meta")).await().atMost(TIMEOUT);

        StreamPosition first = history.publish(stream, channel(stream), frame("new")).await().atMost(TIMEOUT);

        assertEquals(1, first.offset(), "the new epoch starts at 1");
        assertEquals(List.of(first), positionsIn(history, stream));
        assertEquals(1L, redis.stream(String.class).xlen(key(stream, "stream")).await().atMost(TIMEOUT));
    }

    /** A history whose publishes made within 200 ms share one call. */
    @Test
    void publishesMadeOnAnEventLoopGoOverThatLoopsOwnNamedConnectionInOrder() throws InterruptedException {
        RedisHistory history = redisHistory(100, Duration.ZERO);
        StreamName stream = stream();
        BlockingQueue<String> live = new java.util.concurrent.LinkedBlockingQueue<>();
        observer().subscribe(channel(stream), live::add).whenLive().await().atMost(TIMEOUT);
        io.vertx.core.Context loop = vertx.getOrCreateContext();
        List<StreamPosition> positions = onLoop(loop, () -> {
            List<Uni<StreamPosition>> publishes = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                publishes.add(history.publish(stream, channel(stream), frame("m" + i)));
            }
            return Uni.join().all(publishes).andFailFast();
        });
        for (int i = 0; i < 30; i++) {
            assertEquals(i + 1, positions.get(i).offset(), "offsets in publish order");
            Envelope delivered = Envelope.decode(live.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(delivered.frame().contains("\"m" + i + "\""), "published in order: " + delivered.frame());
        }
        String loopThread = onLoop(loop, () -> Uni.createFrom().item(Thread.currentThread().getName()));
        assertTrue(clientIdNamed("chorus-history-" + loopThread) != null,
                "the loop's own connection, named for it, in CLIENT LIST:\n" + clientList());
    }

    @Test
    void aLoopsConnectionKilledByRedisIsOpenedAgainAndPublishesGoOn() {
        RedisHistory history = redisHistory(100, Duration.ZERO);
        StreamName stream = stream();
        io.vertx.core.Context loop = vertx.getOrCreateContext();
        onLoop(loop, () -> history.publish(stream, channel(stream), frame("before")));
        String name = "chorus-history-" + onLoop(loop, () -> Uni.createFrom().item(Thread.currentThread().getName()));
        String killed = clientIdNamed(name);
        assertNotNull(killed, "the loop's connection before the kill:\n" + clientList());
        redis.execute("CLIENT", "KILL", "ID", killed).await().atMost(TIMEOUT);
        // A publish racing the kill may fail ("may not have gone out"); the next ones go over a new connection.
        int failed = 0;
        StreamPosition after = null;
        while (after == null && failed < 3) {
            try {
                after = onLoop(loop, () -> history.publish(stream, channel(stream), frame("after")));
            } catch (RuntimeException raced) {
                failed++;
            }
        }
        assertNotNull(after, failed + " publishes failed after the kill");
        assertTrue(failed <= 1, "at most the publish racing the kill fails, not " + failed);
        String reopened = clientIdNamed(name);
        assertNotNull(reopened, "a new connection under the same name:\n" + clientList());
        assertFalse(reopened.equals(killed), "a new connection, not the killed one");
        assertEquals(positionsIn(history, stream), List.of(new StreamPosition(1, after.epoch()), after),
                "the stream holds both messages, the second right after the first");
    }

    /** Runs {@code work} on the event loop of {@code loop} and waits for its item. */
    private static <T> T onLoop(io.vertx.core.Context loop, java.util.function.Supplier<Uni<T>> work) {
        java.util.concurrent.CompletableFuture<T> done = new java.util.concurrent.CompletableFuture<>();
        loop.runOnContext(ignored -> work.get().subscribe().with(done::complete, done::completeExceptionally));
        try {
            return done.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String clientList() {
        return redis.execute("CLIENT", "LIST").await().atMost(TIMEOUT).toString();
    }

    /** The id of the Redis client connection with this name, or null. */
    private String clientIdNamed(String name) {
        for (String line : clientList().split("\n")) {
            if (line.contains(" name=" + name + " ")) {
                return line.substring(line.indexOf("id=") + 3, line.indexOf(' ', line.indexOf("id=")));
            }
        }
        return null;
    }

    private RedisHistory batchingHistory() {
        return redisHistory(100, Duration.ofMillis(200));
    }

    /** One publish per stream given, made together (within the history's window), each already on its way. */
    private static List<Uni<StreamPosition>> publishTogether(History history, List<StreamName> streams) {
        List<Uni<StreamPosition>> publishes = new ArrayList<>();
        for (int i = 0; i < streams.size(); i++) {
            StreamName stream = streams.get(i);
            Uni<StreamPosition> publish = history.publish(stream, channel(stream), frame("m" + i)).memoize()
                    .indefinitely();
            publish.subscribe().with(ignored -> {
            }, ignored -> {
            });
            publishes.add(publish);
        }
        return publishes;
    }

    /** The positions of what a reader of the stream's current epoch gets, from its start. */
    private static List<StreamPosition> positionsIn(History history, StreamName stream) {
        HistoryRead read = history.readAfter(stream, new StreamPosition(0, ""), 100).await().atMost(TIMEOUT);
        return read.messages().stream().map(Envelope::position).toList();
    }

    private static Throwable failureOf(Uni<StreamPosition> publish) {
        Throwable failure = publish.onItem().transform(position -> (Throwable) null).onFailure()
                .recoverWithItem(f -> f).await().atMost(TIMEOUT);
        assertNotNull(failure, "the publish failed");
        return failure;
    }

    private static String channel(StreamName stream) {
        return "ch-" + stream.name();
    }

    private static String key(StreamName stream, String part) {
        return "test:history:room:{" + stream.name() + "}:" + part;
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
