package io.chorus.auth;

import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.core.Vertx;

/**
 * One timer per connection, kept in the connection's user data: arming replaces the one before, cancelling disarms
 * it, and only the timer armed last may fire.
 */
final class ConnectionTimer {

    private final Vertx vertx;
    private final TypedKey<Long> key;

    ConnectionTimer(Vertx vertx, String name) {
        this.vertx = vertx;
        this.key = TypedKey.forLong(name);
    }

    void arm(WebSocketConnection connection, long delayMillis, Runnable fire) {
        long timer = vertx.setTimer(Math.max(1, delayMillis), id -> {
            Long armed = connection.userData().get(key);
            if (armed != null && armed == id) {
                connection.userData().remove(key);
                fire.run();
            }
        });
        Long previous = connection.userData().put(key, timer);
        if (previous != null) {
            vertx.cancelTimer(previous);
        }
    }

    void cancel(WebSocketConnection connection) {
        Long timer = connection.userData().remove(key);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
    }
}
