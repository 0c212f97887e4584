package io.chorus.pusher;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.ChorusConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;

/**
 * Webhooks, as Pusher sends them: a POST of {@code {"time_ms":…,"events":[…]}} to the app's {@code webhook-url},
 * signed with {@code X-Pusher-Key} and {@code X-Pusher-Signature} (hex HMAC-SHA256 of the body with the app's
 * secret). Each webhook is sent by the replica where its cause happened, once.
 * <p>
 * Delivery never blocks an event loop (the JDK HTTP client, asynchronously) and never grows without bound: at most
 * {@code chorus.pusher.webhooks.queue-size} webhooks wait or travel at once (more are dropped and logged), a few go
 * out concurrently, and one that fails (no answer, or a status other than 2xx) is retried up to
 * {@code max-attempts} times, the delay doubling from {@code retry-delay}. Occupancy changes of one channel within
 * {@code merge-window} are merged ({@link #occupancy}), and a full queue is logged at most every 10 s.
 */
@Singleton
public class Webhooks {

    private static final Logger LOG = Logger.getLogger(Webhooks.class);
    private static final int CONCURRENT_DELIVERIES = 4;

    private static final long WARN_EVERY_MILLIS = 10_000;

    private record Delivery(PusherApp app, String body, int attempt) {
    }

    private record Channel(String appId, String channel) {
    }

    /** A channel's occupancy changes within the merge window: the first, and the latest. */
    private static final class Occupancy {
        final PusherApp app;
        final String first;
        volatile String last;

        Occupancy(PusherApp app, String first) {
            this.app = app;
            this.first = first;
            this.last = first;
        }
    }

    private final Vertx vertx;
    private final HttpClient http;
    private final int queueSize;
    private final int maxAttempts;
    private final Duration retryDelay;
    private final Duration timeout;
    private final Queue<Delivery> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger sending = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final long mergeMillis;
    private final Map<Channel, Occupancy> occupancy = new ConcurrentHashMap<>();
    private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);
    private final LongAdder unreported = new LongAdder();

    Webhooks(Vertx vertx, ChorusConfig config, MeterRegistry registry) {
        this.vertx = vertx;
        FunctionCounter.builder("chorus.pusher.webhooks", this, Webhooks::deliveredCount).tag("outcome", "delivered")
                .description("Pusher webhooks answered with 2xx").register(registry);
        FunctionCounter.builder("chorus.pusher.webhooks", this, Webhooks::droppedCount).tag("outcome", "dropped")
                .description("Pusher webhooks given up on: queue full, or every attempt failed").register(registry);
        var settings = config.pusher().webhooks();
        this.queueSize = Math.max(1, settings.queueSize());
        this.maxAttempts = Math.max(1, settings.maxAttempts());
        this.retryDelay = settings.retryDelay();
        this.timeout = settings.timeout();
        this.mergeMillis = settings.mergeWindow().toMillis();
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    void channelOccupied(PusherApp app, String channel) {
        occupancy(app, channel, "channel_occupied");
    }

    void channelVacated(PusherApp app, String channel) {
        occupancy(app, channel, "channel_vacated");
    }

    /**
     * Holds a channel's occupancy change for {@code merge-window}; then, if the channel ends the window as it began
     * it (occupied then vacated, or the reverse), nothing is sent, else the latest change is. A socket cycling through
     * channels thus queues no webhooks ahead of the ones that matter.
     */
    private void occupancy(PusherApp app, String channel, String name) {
        if (app.webhookUrl() == null) {
            return;
        }
        if (mergeMillis <= 0) {
            send(app, name, channel, null);
            return;
        }
        Channel key = new Channel(app.id(), channel);
        boolean[] opened = { false };
        occupancy.compute(key, (k, held) -> {
            if (held == null) {
                opened[0] = true;
                return new Occupancy(app, name);
            }
            held.last = name;
            return held;
        });
        if (opened[0]) {
            vertx.setTimer(mergeMillis, id -> {
                Occupancy held = occupancy.remove(key);
                if (held != null && held.first.equals(held.last)) {
                    send(held.app, held.last, channel, null);
                }
            });
        }
    }

    void memberAdded(PusherApp app, String channel, String user) {
        send(app, "member_added", channel, user);
    }

    void memberRemoved(PusherApp app, String channel, String user) {
        send(app, "member_removed", channel, user);
    }

    void clientEvent(PusherApp app, String channel, String event, JsonNode data, String socketId, String user) {
        send(app, "client_event", channel, user, g -> {
            g.writeStringField("event", event);
            g.writeStringField("data", PusherFrames.dataText(data));
            g.writeStringField("socket_id", socketId);
        });
    }

    private void send(PusherApp app, String name, String channel, String user) {
        send(app, name, channel, user, null);
    }

    /**
     * Queues one event in Pusher's envelope, {@code {"time_ms":…,"events":[{name, channel, …, user_id}]}};
     * {@code fields} (null: none) writes the event's own fields.
     */
    private void send(PusherApp app, String name, String channel, String user, PusherFrames.Body fields) {
        if (app.webhookUrl() == null) {
            return;
        }
        long now = System.currentTimeMillis();
        enqueue(app, PusherFrames.json(g -> {
            g.writeStartObject();
            g.writeNumberField("time_ms", now);
            g.writeArrayFieldStart("events");
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeStringField("channel", channel);
            if (fields != null) {
                fields.write(g);
            }
            if (user != null) {
                g.writeStringField("user_id", user);
            }
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    private void enqueue(PusherApp app, String body) {
        if (held.incrementAndGet() > queueSize) {
            held.decrementAndGet();
            dropped.increment();
            warnDropped(app);
            return;
        }
        waiting.add(new Delivery(app, body, 1));
        pump();
    }

    /** Logs a full queue at most once per {@link #WARN_EVERY_MILLIS}, counting the drops in between. */
    private void warnDropped(PusherApp app) {
        unreported.increment();
        long now = System.currentTimeMillis();
        long last = lastWarning.get();
        if ((last == Long.MIN_VALUE || now - last >= WARN_EVERY_MILLIS) && lastWarning.compareAndSet(last, now)) {
            LOG.warnf("Webhook queue full (%d): dropped %d webhook(s) (latest for app %s) since the last such warning; "
                    + "chorus_pusher_webhooks_total{outcome=dropped} counts them all", queueSize, unreported.sumThenReset(),
                    app.id());
        }
    }

    /** Starts deliveries while fewer than the allowed number are on their way. */
    private void pump() {
        while (true) {
            int now = sending.get();
            if (now >= CONCURRENT_DELIVERIES || waiting.isEmpty()) {
                return;
            }
            if (!sending.compareAndSet(now, now + 1)) {
                continue;
            }
            Delivery next = waiting.poll();
            if (next == null) {
                sending.decrementAndGet();
                return;
            }
            attempt(next);
        }
    }

    private void attempt(Delivery delivery) {
        HttpRequest request = HttpRequest.newBuilder(delivery.app().webhookUrl())
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("X-Pusher-Key", delivery.app().key())
                .header("X-Pusher-Signature", HmacSha256.hex(delivery.app().secret(), delivery.body()))
                .POST(HttpRequest.BodyPublishers.ofString(delivery.body()))
                .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            sending.decrementAndGet();
            if (failure == null && response.statusCode() / 100 == 2) {
                held.decrementAndGet();
                delivered.increment();
            } else if (delivery.attempt() < maxAttempts) {
                long delay = Math.max(1, retryDelay.toMillis() << Math.min(20, delivery.attempt() - 1));
                LOG.debugf("Webhook to %s failed (%s); retrying in %d ms", delivery.app().webhookUrl(),
                        failure == null ? "status " + response.statusCode() : failure.toString(), delay);
                vertx.setTimer(delay, id -> {
                    waiting.add(new Delivery(delivery.app(), delivery.body(), delivery.attempt() + 1));
                    pump();
                });
            } else {
                held.decrementAndGet();
                dropped.increment();
                LOG.warnf("Webhook to %s dropped after %d attempts", delivery.app().webhookUrl(), delivery.attempt());
            }
            pump();
        });
    }

    /** Webhooks delivered (answered with 2xx) since start. */
    public long deliveredCount() {
        return delivered.sum();
    }

    /** Webhooks given up on (queue full, or every attempt failed) since start. */
    public long droppedCount() {
        return dropped.sum();
    }

    @PreDestroy
    void close() {
        waiting.clear();
    }
}
