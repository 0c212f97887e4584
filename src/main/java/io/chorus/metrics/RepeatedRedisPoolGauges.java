package io.chorus.metrics;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Drops Micrometer's "This Gauge has been already registered" warning for the Redis client's pool gauges
 * ({@code redis.pool.*}), and only that one.
 * <p>
 * Quarkus 3.33's Redis extension builds the default Vert.x Redis client twice at start: both its client and its
 * data-source build steps call {@code RedisClientRecorder.initialize} for the same name, and each call creates a
 * client (with its connection pool, whose pool metrics register the {@code redis.pool.*} meters) before
 * {@code putIfAbsent} keeps the first and drops the second, unused and never connected. The first client is the one
 * every bean gets, and its gauges were registered first, so Micrometer keeps them and ignores the second's: the pool
 * meters at {@code /q/metrics} are reported once and describe the pool in use ({@code RedisPoolMetricsIT}). No setting
 * avoids the second client, and silencing the {@code MeterRegistry} category would hide every other meter warning.
 * Wired to the console handler by {@code quarkus.log.console.filter} in application.properties.
 */
@LoggingFilter(name = "repeated-redis-pool-gauges")
public final class RepeatedRedisPoolGauges implements Filter {

    private static final String METER_REGISTRY = "io.micrometer.core.instrument.MeterRegistry";

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!METER_REGISTRY.equals(record.getLoggerName())) {
            return true;
        }
        String message = record.getMessage();
        return message == null || !(message.contains("already registered") && message.contains("name='redis.pool."));
    }
}
