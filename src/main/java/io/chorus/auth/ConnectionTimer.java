package io.chorus.auth;

import io.chorus.hub.Session;
import io.vertx.core.Vertx;

/**
 * One timer of a kind per session, kept in the session: arming replaces the one before, cancelling disarms it, and
 * only the timer armed last may fire (it fires outside the session's monitor).
 */
final class ConnectionTimer {

    private final Vertx vertx;
    private final Session.Timer kind;

    ConnectionTimer(Vertx vertx, Session.Timer kind) {
        this.vertx = vertx;
        this.kind = kind;
    }

    void arm(Session session, long delayMillis, Runnable fire) {
        long timer = vertx.setTimer(Math.max(1, delayMillis), id -> {
            if (session.firing(kind, id)) {
                fire.run();
            }
        });
        long previous = session.armed(kind, timer);
        if (previous != 0) {
            vertx.cancelTimer(previous);
        }
    }

    void cancel(Session session) {
        long timer = session.disarmed(kind);
        if (timer != 0) {
            vertx.cancelTimer(timer);
        }
    }
}
