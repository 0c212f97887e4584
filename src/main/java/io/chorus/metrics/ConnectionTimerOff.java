package io.chorus.metrics;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Turns off the HTTP server's {@code http.server.connections} long-task timer. Quarkus' Vert.x metrics start one
 * sample of it for every TCP connection and keep it until the connection closes: ~150 bytes of heap for each open
 * WebSocket (a composite sample, its list, the registry's sample), the largest per-connection cost that a setting can
 * remove. Open client connections are counted by {@code chorus_connections}; the HTTP server's request meters
 * stay. A denied meter is a no-op: its samples hold nothing.
 */
@Singleton
public class ConnectionTimerOff {

    static final String TIMER = "http.server.connections";

    @Produces
    @Singleton
    MeterFilter noSamplePerConnection() {
        return MeterFilter.deny(id -> TIMER.equals(id.getName()));
    }
}
