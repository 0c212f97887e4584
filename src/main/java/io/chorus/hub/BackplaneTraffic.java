package io.chorus.hub;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What this replica receives from the backplane: a count (so "a replica pays only for what its clients want" can be
 * checked) and the publish-to-delivery latency, from the origin replica's {@code ts} to the moment this replica hands
 * the frame to its connections (clocks of replicas on one host or NTP-synced hosts).
 */
@Singleton
public class BackplaneTraffic {

    private static final String TS_FIELD = ",\"ts\":";

    private final LongAdder received = new LongAdder();
    private final Timer latency;

    BackplaneTraffic(MeterRegistry registry) {
        this.latency = Timer.builder("chorus.delivery.latency")
                .description("From the origin replica accepting a message to this replica handing it to its connections")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    void received(String frame) {
        received.increment();
        long ts = timestampOf(frame);
        if (ts > 0) {
            latency.record(Math.max(0, System.currentTimeMillis() - ts), TimeUnit.MILLISECONDS);
        }
    }

    /** Messages received from the backplane since start, on every channel. */
    public long receivedCount() {
        return received.sum();
    }

    /** The {@code ts} of an event, found without parsing the whole frame; 0 if it has none. */
    static long timestampOf(String frame) {
        int at = frame.indexOf(TS_FIELD);
        if (at < 0) {
            return 0;
        }
        long ts = 0;
        for (int i = at + TS_FIELD.length(); i < frame.length(); i++) {
            char c = frame.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            ts = ts * 10 + (c - '0');
        }
        return ts;
    }
}
