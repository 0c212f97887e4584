package io.chorus.auth;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.protocol.CloseCodes;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;

/**
 * A connection that came without a token has {@code chorus.auth.handshake-timeout} to send its {@code auth} frame;
 * then it is closed with 4003, so unauthenticated sockets cannot pile up.
 */
@Singleton
public class AuthenticationDeadline {

    private static final TypedKey<Long> TIMER = TypedKey.forLong("chorus.auth-deadline");

    private final Vertx vertx;
    private final long timeoutMillis;

    private final ChorusMeters meters;

    AuthenticationDeadline(Vertx vertx, ChorusConfig config, ChorusMeters meters) {
        this.meters = meters;
        this.vertx = vertx;
        this.timeoutMillis = Math.max(1, config.auth().handshakeTimeout().toMillis());
    }

    public void arm(WebSocketConnection connection) {
        long timer = vertx.setTimer(timeoutMillis, id -> {
            if (connection.userData().remove(TIMER) != null && connection.isOpen()) {
                meters.refused(Refusal.AUTHENTICATION);
                connection.close(CloseCodes.NOT_AUTHENTICATED).subscribe().with(ok -> {
                }, failure -> {
                });
            }
        });
        connection.userData().put(TIMER, timer);
    }

    /** The connection authenticated, or closed. */
    public void disarm(WebSocketConnection connection) {
        Long timer = connection.userData().remove(TIMER);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }
}
