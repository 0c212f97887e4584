package io.chorus.history;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.jboss.logging.Logger;

import io.chorus.backplane.Envelope;

import io.chorus.redis.DefaultRedisOptions;
import io.chorus.redis.EventLoopConnection;
import io.chorus.redis.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;

/**
 * History in Redis Streams, one stream per room (and one for broadcasts), bounded by {@code MAXLEN} and dropped
 * {@code ttl} after its last message. The stream is trimmed approximately ({@code MAXLEN ~}, whole stream nodes at a
 * time), and reads see only the last {@code maxLength} offsets, so history is exactly as long as configured. Entry ids are the offsets ({@code <offset>-0}); a meta hash holds the last
 * offset and the epoch. Keys are hash-tagged with the stream's name, so in a Redis Cluster they share the slot of the
 * stream's channel and one script can append and publish atomically ({@code history_publish.lua}). Entries are the
 * envelopes as published (docs/backplane.md); the script writes the position into the envelope's header and never
 * reads the client frame.
 * <p>
 * Publishes pending together (while the previous call is on its way, in the same event-loop turn, or within
 * {@code chorus.history.publish-window}) go to Redis as one call of {@code history_publish_batch.lua}
 * ({@link AppendBatches}); a batch of one, and every publish on a Redis Cluster ({@code sharded}: different streams'
 * keys are in different hash slots, which one script may not mix), is one call of {@code history_publish.lua}. In a
 * batch each publish has its own outcome: one whose commands fail (a key of the wrong type, say) fails alone, with the
 * error Redis gave, as a call of its own would, and takes no offset; the others are appended and published.
 */
public final class RedisHistory implements History, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisHistory.class);
    private static final LuaScript PUBLISH = LuaScript.load("history_publish.lua");
    private static final LuaScript PUBLISH_BATCH = LuaScript.load("history_publish_batch.lua");
    private static final LuaScript READ = LuaScript.load("history_read.lua");

    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;
    private final Duration publishWindow;
    private final String keyPrefix;
    /** The script's constant arguments, made once: {@code MAXLEN} and the TTL in seconds. */
    private final String maxLength;
    private final String ttlSeconds;
    private final String publishCommand;
    /** Null on a Redis Cluster: one call per publish there. */
    private final AppendBatches shared;
    /** Each event loop's batches, over its own connection; appends made off the event loops use {@link #shared}. */
    private final Map<Thread, AppendBatches> byLoop = new ConcurrentHashMap<>();
    private final DefaultRedisOptions clientOptions;
    /** The clients this history made for its event loops' connections, closed with it (guarded by itself). */
    private final List<Redis> eventLoopClients = new ArrayList<>();

    /**
     * {@code publishWindow}: how long a publish may wait for others to share its call (0: only those pending in
     * the same event-loop turn or while the previous call is on its way).
     */
    public RedisHistory(ReactiveRedisDataSource redis, DefaultRedisOptions clientOptions, Vertx vertx, String keyPrefix,
            int maxLength, Duration ttl, boolean sharded, Duration publishWindow) {
        this.redis = redis;
        this.clientOptions = clientOptions;
        this.vertx = vertx;
        this.publishWindow = publishWindow;
        this.keyPrefix = keyPrefix;
        this.maxLength = Integer.toString(maxLength);
        this.ttlSeconds = Long.toString(Math.max(1, ttl.toSeconds()));
        this.publishCommand = sharded ? "spublish" : "publish";
        this.shared = sharded ? null : new AppendBatches(vertx, publishWindow, batch -> publishAll(batch, this::runPooled));
    }

    @Override
    public Uni<StreamPosition> publish(StreamName stream, String channel, Envelope message) {
        if (message.position() != null) {
            throw new IllegalArgumentException("already at a position: " + message.position());
        }
        if (shared == null) {
            return publishOne(stream, channel, message, this::runPooled);
        }
        return batchesHere().append(stream, channel, message);
    }

    /**
     * The calling event loop's batches, made on its first publish, which go over the loop's own Redis connection: the
     * call is written and answered on the loop, with no pool acquire and no hop to another thread. Off the event loops
     * (a worker thread, a test), the shared batches over the client's pool.
     */
    private AppendBatches batchesHere() {
        if (!Context.isOnEventLoopThread()) {
            return shared;
        }
        return byLoop.computeIfAbsent(Thread.currentThread(), loop -> {
            EventLoopConnection connection = new EventLoopConnection(eventLoopClient(),
                    "chorus-history-" + loop.getName());
            return new AppendBatches(vertx, publishWindow,
                    batch -> publishAll(batch, (script, keys, args) -> script.run(connection, keys, args)));
        });
    }

    /**
     * The client of the calling event loop's own connection: one of Chorus' own, made here, on the loop, with the
     * default client's settings, so its connections are bound to this loop ({@link DefaultRedisOptions}); the default
     * client if Quarkus built none (its connections are bound to another context: each call then hops).
     */
    private Redis eventLoopClient() {
        Redis client = clientOptions.eventLoopClient(vertx).orElse(null);
        if (client == null) {
            LOG.debug("No default Redis client options: the event loop's connection comes from the shared client");
            return redis.getRedis();
        }
        synchronized (eventLoopClients) {
            eventLoopClients.add(client);
        }
        return client;
    }

    /** Closes the event loops' own connections and their clients (the shared client is Quarkus'). */
    @Override
    public void close() {
        synchronized (eventLoopClients) {
            eventLoopClients.forEach(Redis::close);
            eventLoopClients.clear();
        }
    }

    /** Script calls made for publishes, batches counted once (for tests). */
    long publishCalls() {
        return shared == null ? -1 : shared.calls() + byLoop.values().stream().mapToLong(AppendBatches::calls).sum();
    }

    /** How a script call is made: over the client's pool, or over an event loop's own connection. */
    @FunctionalInterface
    private interface ScriptCall {
        Uni<Response> run(LuaScript script, List<String> keys, List<String> args);
    }

    private Uni<Response> runPooled(LuaScript script, List<String> keys, List<String> args) {
        return script.run(redis, keys, args);
    }

    private Uni<StreamPosition> publishOne(StreamName stream, String channel, Envelope message, ScriptCall call) {
        return call.run(PUBLISH, keys(stream), List.of(channel, message.beforePosition(), message.afterPosition(),
                maxLength, ttlSeconds, newEpoch(), publishCommand))
                .map(reply -> new StreamPosition(reply.get(0).toLong(), reply.get(1).toString()));
    }

    /** One call for a batch, its outcomes in the batch's order. */
    private Uni<List<AppendBatches.Outcome>> publishAll(List<AppendBatches.Append> batch, ScriptCall call) {
        if (batch.size() == 1) {
            AppendBatches.Append only = batch.get(0);
            return publishOne(only.stream(), only.channel(), only.message(), call)
                    .map(position -> List.of(AppendBatches.Outcome.appended(position)));
        }
        List<String> keys = new ArrayList<>(2 * batch.size());
        List<String> args = new ArrayList<>(3 + 4 * batch.size());
        args.add(maxLength);
        args.add(ttlSeconds);
        args.add(publishCommand);
        for (AppendBatches.Append append : batch) {
            keys.addAll(keys(append.stream()));
            args.add(append.channel());
            args.add(append.message().beforePosition());
            args.add(append.message().afterPosition());
            args.add(newEpoch());
        }
        return call.run(PUBLISH_BATCH, keys, args).map(RedisHistory::outcomes);
    }

    /**
     * The batch script's reply, one (offset, epoch) pair per message; offset 0 (offsets start at 1) is a message that
     * failed, with its error in place of the epoch. That error becomes the exception a call of its own fails with
     * (the Redis client's error reply), so the client gets the same {@code error} frame either way.
     */
    private static List<AppendBatches.Outcome> outcomes(Response reply) {
        List<AppendBatches.Outcome> outcomes = new ArrayList<>(reply.size() / 2);
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            long offset = reply.get(i).toLong();
            String epochOrError = reply.get(i + 1).toString();
            outcomes.add(offset > 0 ? AppendBatches.Outcome.appended(new StreamPosition(offset, epochOrError))
                    : AppendBatches.Outcome.failed(ErrorType.create(epochOrError)));
        }
        return outcomes;
    }

    @Override
    public Uni<HistoryRead> readAfter(StreamName stream, StreamPosition seen, int limit) {
        return read(stream, seen.offset(), seen.epoch(), limit).map(reply -> {
            StreamPosition top = top(reply);
            List<Envelope> messages = new ArrayList<>(Math.max(0, reply.size() - 3));
            for (int i = 3; i < reply.size(); i++) {
                try {
                    messages.add(Envelope.decode(reply.get(i).toString()));
                } catch (Envelope.Unreadable unreadable) {
                    // written by a replica of another envelope version: this read cannot replay it, so it is a gap
                    LOG.warnf("History of %s holds an entry this replica cannot read (%s): reported as a gap", stream,
                            unreadable.getMessage());
                    return HistoryRead.lost(top);
                }
            }
            return switch (reply.get(0).toInteger()) {
                case 1 -> HistoryRead.recovered(seen, messages, top);
                case 2 -> new HistoryRead(false, new StreamPosition(0, top.epoch()), messages, top);
                default -> HistoryRead.lost(top);
            };
        });
    }

    @Override
    public Uni<StreamPosition> top(StreamName stream) {
        return read(stream, -1, "", 0).map(RedisHistory::top);
    }

    private Uni<Response> read(StreamName stream, long after, String epoch, int limit) {
        return READ.run(redis, keys(stream), List.of(Long.toString(after), epoch, Integer.toString(Math.max(1, limit)),
                maxLength));
    }

    private static StreamPosition top(Response reply) {
        return new StreamPosition(reply.get(1).toLong(), reply.get(2).toString());
    }

    private List<String> keys(StreamName stream) {
        String base = keyPrefix + "history:" + stream.kind() + ":{" + stream.name() + "}";
        return List.of(base + ":stream", base + ":meta");
    }

    /**
     * An epoch for the stream should the script have to create it: 8 random hex digits, as many as before, from a
     * thread-local generator (a UUID here read the system's secure random source on every publish).
     */
    private static String newEpoch() {
        return Long.toHexString(0x1_0000_0000L | (ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL)).substring(1);
    }
}
