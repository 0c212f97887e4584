package io.chorus.hub;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.backplane.Envelope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What this replica receives from the backplane: a count (so "a replica pays only for what its clients want" can be
 * checked), the publish-to-delivery latency, from the origin replica's {@code ts} (in the envelope's header) to the
 * moment this replica hands the frame to its connections (clocks of replicas on one host or NTP-synced hosts), and
 * what it could not read and dropped (another envelope version during a rolling upgrade, or no envelope at all).
 */
@Singleton
public class BackplaneTraffic {

    private static final Logger LOG = Logger.getLogger(BackplaneTraffic.class);

    /** After the first unreadable message, one in this many is logged (at 1,000 msg/s: one line a second). */
    private static final long LOG_EVERY = 1000;

    private final LongAdder received = new LongAdder();
    private final AtomicLong rejected = new AtomicLong();
    private final Timer latency;

    BackplaneTraffic(MeterRegistry registry) {
        this.latency = Timer.builder("chorus.delivery.latency")
                .description("From the origin replica accepting a message to this replica handing it to its connections")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    void received(Envelope message) {
        received.increment();
        if (message.ts() > 0) {
            latency.record(Math.max(0, System.currentTimeMillis() - message.ts()), TimeUnit.MILLISECONDS);
        }
    }

    /** Counts and logs a message on {@code channel} that this replica cannot read: it is dropped, never delivered. */
    void rejected(String channel, String text, Envelope.Unreadable why) {
        long count = rejected.incrementAndGet();
        if (count == 1 || count % LOG_EVERY == 0) {
            LOG.warnf("Dropped a message on %s that this replica cannot read (%s; %d chars; %d dropped since start)",
                    channel, why.getMessage(), text.length(), count);
        }
    }

    /** Messages received from the backplane since start, on every channel. */
    public long receivedCount() {
        return received.sum();
    }

    /** Messages received from the backplane that this replica could not read and dropped, since start. */
    public long rejectedCount() {
        return rejected.get();
    }
}
