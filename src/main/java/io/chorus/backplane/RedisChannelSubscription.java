package io.chorus.backplane;

import java.util.function.BiFunction;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands.ReactiveRedisSubscriber;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * One Redis channel subscription that heals itself. When its connection ends or fails, it goes down with the
 * reason, then resubscribes on a new connection after a capped exponential backoff, for as long as it is open —
 * the failure mode Socket.IO (#4845), Action Cable (rails#27659) and Reverb (#258) got wrong.
 * <p>
 * Each attempt has a generation number; events from a connection of an older generation are ignored, so the end
 * and exception callbacks of one lost connection cause one reconnect, not two.
 */
final class RedisChannelSubscription implements Subscription {

    private static final Logger LOG = Logger.getLogger(RedisChannelSubscription.class);

    /** Opens a subscriber, given what to call when its connection ends or fails. */
    interface Connector extends BiFunction<Runnable, Consumer<Throwable>, Uni<ReactiveRedisSubscriber>> {
    }

    private final Connector connector;
    private final String channel;
    private final Vertx vertx;
    private final Backoff backoff;

    private int generation;
    private int failedAttempts;
    private boolean closed;
    private ReactiveRedisSubscriber current;
    private long retryTimer = -1;
    private volatile boolean live;
    private volatile String downReason = "not subscribed yet";

    RedisChannelSubscription(Connector connector, String channel, Vertx vertx, Backoff backoff) {
        this.connector = connector;
        this.channel = channel;
        this.vertx = vertx;
        this.backoff = backoff;
    }

    synchronized void start() {
        attempt();
    }

    private synchronized void attempt() {
        if (closed) {
            return;
        }
        retryTimer = -1;
        int gen = ++generation;
        connector.apply(() -> lost(gen, "the Redis connection closed"),
                failure -> lost(gen, "the Redis connection failed: " + failure))
                .subscribe().with(subscriber -> subscribed(gen, subscriber),
                        failure -> lost(gen, "cannot subscribe: " + failure.getMessage()));
    }

    private synchronized void subscribed(int gen, ReactiveRedisSubscriber subscriber) {
        if (closed || gen != generation) {
            subscriber.unsubscribe().subscribe().with(ok -> {
            }, failure -> {
            });
            return;
        }
        if (failedAttempts > 0) {
            LOG.infof("Resubscribed to Redis channel %s after %d failed attempt(s)", channel, failedAttempts);
        } else {
            LOG.infof("Subscribed to Redis channel %s", channel);
        }
        current = subscriber;
        failedAttempts = 0;
        downReason = "";
        live = true;
    }

    private synchronized void lost(int gen, String reason) {
        if (closed || gen != generation) {
            return;
        }
        generation++;
        current = null;
        live = false;
        downReason = reason;
        long delay = backoff.delay(failedAttempts++).toMillis();
        if (failedAttempts == 1) {
            LOG.warnf("Redis subscription to %s is down (%s); resubscribing in %d ms", channel, reason, delay);
        } else {
            LOG.debugf("Redis subscription to %s still down (%s); attempt %d in %d ms", channel, reason,
                    failedAttempts, delay);
        }
        retryTimer = vertx.setTimer(Math.max(1, delay), id -> attempt());
    }

    @Override
    public boolean isLive() {
        return live;
    }

    @Override
    public String downReason() {
        return downReason;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        live = false;
        downReason = "closed";
        if (retryTimer >= 0) {
            vertx.cancelTimer(retryTimer);
        }
        if (current != null) {
            current.unsubscribe().subscribe().with(ok -> {
            }, failure -> LOG.debugf("Unsubscribing from %s failed: %s", channel, failure));
            current = null;
        }
    }
}
