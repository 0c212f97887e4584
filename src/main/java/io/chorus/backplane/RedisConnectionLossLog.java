package io.chorus.backplane;

import java.io.IOException;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Says a lost pooled Redis connection in one WARN line. The Vert.x Redis client gives the connections of its pool an
 * exception handler that logs every reset as {@code ERROR Unhandled Error} with a stack trace — on every Redis
 * restart, for a loss Chorus handles (the commands on it fail and are answered; the subscription heals itself). Other
 * errors of that logger pass unchanged.
 */
@LoggingFilter(name = "chorus-redis-connection-loss")
public final class RedisConnectionLossLog implements Filter {

    private static final String LOGGER = "io.vertx.redis.client.impl.RedisConnectionManager";

    @Override
    public boolean isLoggable(LogRecord record) {
        if (LOGGER.equals(record.getLoggerName()) && "Unhandled Error".equals(record.getMessage())
                && record.getThrown() instanceof IOException lost) {
            record.setLevel(org.jboss.logmanager.Level.WARN);
            record.setMessage("A pooled Redis connection was lost (" + lost
                    + "); commands on it failed and were answered, the pool opens a new one");
            record.setThrown(null);
        }
        return true;
    }
}
