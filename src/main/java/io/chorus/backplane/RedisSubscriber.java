package io.chorus.backplane;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;

/**
 * All of a replica's Redis channel subscriptions over ONE dedicated connection, with channels added and removed
 * as rooms gain and lose local members.
 * <p>
 * A subscription is live once Redis confirms its {@code SUBSCRIBE}. Redis answers commands on a connection in
 * order, so the n-th {@code subscribe} confirmation for a channel answers the n-th {@code SUBSCRIBE} sent for it;
 * counting both per channel keeps an unsubscribe-then-resubscribe from being confirmed by a stale answer.
 * <p>
 * When the connection ends or fails, every subscription goes down with the reason; the subscriber reconnects after
 * a capped exponential backoff and resubscribes to every open channel — the failure Socket.IO (#4845), Action
 * Cable (rails#27659) and Reverb (#258) got wrong. Each connection has a generation number, so the end and
 * exception callbacks of one lost connection cause one reconnect, not two.
 */
final class RedisSubscriber {

    private static final Logger LOG = Logger.getLogger(RedisSubscriber.class);
    private final Redis redis;
    private final String name;
    private final PubSubFlavor flavor;
    private final Vertx vertx;
    private final Backoff backoff;
    private final Map<String, RedisChannelSubscription> subscriptions = new ConcurrentHashMap<>();

    // guarded by this
    private RedisConnection connection;
    private int generation;
    private boolean connecting;
    private int failedAttempts;
    private long retryTimer = -1;
    private boolean closed;
    private final Map<String, int[]> sentAndConfirmed = new HashMap<>();
    /** New subscriptions waiting for the next event-loop tick, to go to Redis in one SUBSCRIBE. */
    private final Map<String, RedisChannelSubscription> pending = new LinkedHashMap<>();
    private volatile long reconnects;

    /**
     * @param name the connection's name in Redis ({@code CLIENT SETNAME}), so an operator can tell which replica's
     *        subscriber a connection in {@code CLIENT LIST} is
     */
    RedisSubscriber(Redis redis, String name, PubSubFlavor flavor, Vertx vertx, Backoff backoff) {
        this.redis = redis;
        this.name = name;
        this.flavor = flavor;
        this.vertx = vertx;
        this.backoff = backoff;
    }

    synchronized Subscription subscribe(String channel, Consumer<String> consumer) {
        if (closed) {
            throw new IllegalStateException("the Redis subscriber is closed");
        }
        RedisChannelSubscription subscription = new RedisChannelSubscription(channel, consumer);
        if (subscriptions.putIfAbsent(channel, subscription) != null) {
            throw new IllegalStateException("already subscribed to " + channel);
        }
        if (connection != null) {
            subscribeNextTick(subscription);
        } else {
            subscription.markDown(connecting || retryTimer >= 0 ? "connecting to Redis" : "not subscribed yet");
            connectIfIdle();
        }
        return subscription;
    }

    /**
     * Queues a subscription for the next tick of the calling event loop: a connection storm (every new connection
     * subscribes its user's channel) sends one SUBSCRIBE per tick with every channel, not one per connection.
     */
    private void subscribeNextTick(RedisChannelSubscription subscription) {
        pending.put(subscription.channel(), subscription);
        if (pending.size() > 1) {
            return;
        }
        Context context = Vertx.currentContext();
        if (context != null) {
            context.runOnContext(ignored -> flushPending());
        } else {
            vertx.runOnContext(ignored -> flushPending());
        }
    }

    private synchronized void flushPending() {
        if (pending.isEmpty()) {
            return;
        }
        List<RedisChannelSubscription> batch = new ArrayList<>(pending.values());
        pending.clear();
        if (connection != null) {
            sendSubscribe(batch);
        }
    }

    /** Successful reconnections after the subscriber connection was lost. */
    long reconnects() {
        return reconnects;
    }
    /**
     * Closes every subscription and the connection. The subscriptions are marked closed after this object's lock is
     * released: joins waiting for them fail and run on in this thread, taking the hub's locks, while an event loop
     * may hold one of those and wait for this lock (a join subscribing, or the connection's end handler).
     */
    void close() {
        List<RedisChannelSubscription> closing;
        RedisConnection last;
        synchronized (this) {
            closed = true;
            closing = new ArrayList<>(subscriptions.values());
            subscriptions.clear();
            pending.clear();
            if (retryTimer >= 0) {
                vertx.cancelTimer(retryTimer);
            }
            last = connection;
            connection = null;
        }
        closeQuietly(last);
        closing.forEach(RedisChannelSubscription::markClosed);
    }

    /**
     * Closes a connection this subscriber no longer uses. Never under this object's lock: the Redis client takes its own
     * locks to close (and may call the connection's handlers), while its event loop may be waiting for this lock.
     */
    private static void closeQuietly(RedisConnection conn) {
        if (conn != null) {
            conn.close().subscribe().with(ok -> {
            }, failure -> LOG.debugf("Closing the Redis subscriber connection failed: %s", failure));
        }
    }

    private synchronized void unsubscribe(RedisChannelSubscription subscription) {
        if (!subscriptions.remove(subscription.channel(), subscription) || connection == null
                || pending.remove(subscription.channel(), subscription)) {
            return;
        }
        int[] counts = sentAndConfirmed.computeIfAbsent(subscription.channel(), c -> new int[3]);
        counts[2]++;
        send(Request.cmd(flavor.unsubscribe).arg(subscription.channel()), "UNSUBSCRIBE");
    }

    private void connectIfIdle() {
        if (connecting || retryTimer >= 0 || connection != null || closed) {
            return;
        }
        connecting = true;
        int gen = ++generation;
        redis.connect().subscribe().with(conn -> connected(gen, conn),
                failure -> lost(gen, "cannot connect to Redis: " + failure.getMessage()));
    }

    private void connected(int gen, RedisConnection conn) {
        if (!adopted(gen, conn)) {
            closeQuietly(conn); // closed meanwhile, or a newer attempt superseded it
        }
    }

    /** Takes a new connection into use and subscribes every channel on it; false if it came too late. */
    private synchronized boolean adopted(int gen, RedisConnection conn) {
        connecting = false;
        if (closed || gen != generation) {
            return false;
        }
        connection = conn;
        sentAndConfirmed.clear();
        pending.clear(); // every subscription is sent below
        conn.handler(response -> onPush(gen, response));
        // The client calls these with its own locks held: the loss is handled in a task of its own, which takes this
        // object's lock with nothing else held (a thread holding this lock may be calling into the client).
        conn.endHandler(() -> vertx.runOnContext(ignored -> lost(gen, "the Redis connection closed")));
        conn.exceptionHandler(failure -> vertx.runOnContext(
                ignored -> lost(gen, "the Redis connection failed: " + failure)));
        if (failedAttempts > 0) {
            reconnects++;
            LOG.infof("Reconnected to Redis after %d failed attempt(s); resubscribing to %d channel(s)",
                    failedAttempts, subscriptions.size());
        }
        failedAttempts = 0;
        nameConnection(gen, conn);
        sendSubscribe(new ArrayList<>(subscriptions.values()));
        return true;
    }

    /** Names the connection, before it subscribes (a subscribed connection takes no other command). */
    private void nameConnection(int gen, RedisConnection conn) {
        conn.send(Request.cmd(Command.CLIENT).arg("SETNAME").arg(name)).subscribe().with(ok -> {
        }, failure -> {
            if (failure instanceof ErrorType) {
                LOG.debugf("Redis refused the name %s (%s); the subscriber is unnamed", name, failure.getMessage());
            } else {
                lost(gen, "CLIENT SETNAME failed: " + failure.getMessage());
            }
        });
    }

    private void sendSubscribe(List<RedisChannelSubscription> batch) {
        int perCommand = flavor.channelsPerCommand;
        for (int from = 0; from < batch.size(); from += perCommand) {
            Request subscribe = Request.cmd(flavor.subscribe);
            for (RedisChannelSubscription s : batch.subList(from, Math.min(batch.size(), from + perCommand))) {
                int[] counts = sentAndConfirmed.computeIfAbsent(s.channel(), c -> new int[3]);
                s.awaitConfirmation(++counts[0]);
                subscribe.arg(s.channel());
            }
            send(subscribe, "SUBSCRIBE");
        }
    }

    private void send(Request request, String what) {
        RedisConnection conn = connection;
        int gen = generation;
        conn.send(request).subscribe().with(ok -> {
        }, failure -> lost(gen, what + " failed: " + failure.getMessage()));
    }

    private void onPush(int gen, Response push) {
        if (push == null || push.size() < 3) {
            return;
        }
        String kind = push.get(0).toString();
        String channel = push.get(1).toString();
        if (flavor.messageKind.equals(kind)) {
            RedisChannelSubscription subscription = subscriptions.get(channel);
            if (subscription != null) {
                subscription.deliver(push.get(2).toString());
            }
        } else if (flavor.subscribedKind.equals(kind)) {
            confirmed(gen, channel);
        } else if (flavor.unsubscribedKind.equals(kind)) {
            unsubscribed(gen, channel);
        }
    }

    /**
     * An unsubscribe answer: either to our own UNSUBSCRIBE, or — sharded pub/sub only — Redis dropping the channel
     * because its slot moved to another shard. Then the subscription is resubscribed, which reaches the new owner.
     */
    private synchronized void unsubscribed(int gen, String channel) {
        if (gen != generation) {
            return;
        }
        int[] counts = sentAndConfirmed.computeIfAbsent(channel, c -> new int[3]);
        if (counts[2] > 0) {
            counts[2]--;
            forgetSettledCounts(channel);
            return;
        }
        RedisChannelSubscription subscription = subscriptions.get(channel);
        if (subscription != null && connection != null) {
            LOG.infof("Redis dropped the subscription to %s (slot moved?); resubscribing", channel);
            subscription.markDown("resubscribing after Redis dropped the channel");
            sendSubscribe(List.of(subscription));
        }
    }

    /** A subscribe confirmation: marks the subscription live, outside this object's lock (joins wait on it). */
    private void confirmed(int gen, String channel) {
        RedisChannelSubscription nowLive = confirmation(gen, channel);
        if (nowLive != null) {
            nowLive.markLive();
        }
    }

    /** Counts a confirmation; returns the subscription it completes, if any. */
    private synchronized RedisChannelSubscription confirmation(int gen, String channel) {
        if (gen != generation) {
            return null;
        }
        int[] counts = sentAndConfirmed.computeIfAbsent(channel, c -> new int[3]);
        counts[1]++;
        RedisChannelSubscription subscription = subscriptions.get(channel);
        if (subscription == null) {
            forgetSettledCounts(channel);
            return null;
        }
        return counts[1] >= subscription.awaitedConfirmation ? subscription : null;
    }

    /**
     * Drops a closed channel's counts once no answer is outstanding, so churned rooms leave nothing behind. Counts are
     * {SUBSCRIBEs sent, subscribe confirmations received, our UNSUBSCRIBEs not yet answered}.
     */
    private void forgetSettledCounts(String channel) {
        if (subscriptions.containsKey(channel)) {
            return;
        }
        int[] counts = sentAndConfirmed.get(channel);
        if (counts != null && counts[0] == counts[1] && counts[2] == 0) {
            sentAndConfirmed.remove(channel);
        }
    }

    private void lost(int gen, String reason) {
        closeQuietly(down(gen, reason));
    }

    /** Marks every subscription down and schedules a reconnection; answers the lost connection, to be closed. */
    private synchronized RedisConnection down(int gen, String reason) {
        if (closed || gen != generation) {
            return null;
        }
        generation++;
        connecting = false;
        RedisConnection lostConnection = connection;
        connection = null;
        pending.clear(); // every subscription is sent again on reconnection
        subscriptions.values().forEach(s -> s.markDown(reason));
        long delay = backoff.delay(failedAttempts++).toMillis();
        if (failedAttempts == 1) {
            LOG.warnf("Redis subscriptions are down (%s); reconnecting in %d ms", reason, delay);
        } else {
            LOG.debugf("Redis subscriptions still down (%s); attempt %d in %d ms", reason, failedAttempts, delay);
        }
        retryTimer = vertx.setTimer(Math.max(1, delay), id -> retry());
        return lostConnection;
    }

    private synchronized void retry() {
        retryTimer = -1;
        connectIfIdle();
    }

    private final class RedisChannelSubscription extends ChannelSubscription {
        // guarded by RedisSubscriber.this
        int awaitedConfirmation;

        RedisChannelSubscription(String channel, Consumer<String> consumer) {
            super(channel, consumer);
        }

        void awaitConfirmation(int nth) {
            awaitedConfirmation = nth;
        }

        @Override
        public void close() {
            if (markClosed()) {
                unsubscribe(this);
            }
        }
    }
}
