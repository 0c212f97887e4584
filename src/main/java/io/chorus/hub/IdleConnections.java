package io.chorus.hub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.protocol.CloseCodes;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import io.quarkus.runtime.Startup;
import io.vertx.core.Vertx;

/**
 * Pings every connection every {@code chorus.limits.ping-interval} and closes, with 4002, those from which nothing at
 * all (no frame, no pong) arrived for {@code chorus.limits.idle-timeout}: the peer is gone (a half-open TCP
 * connection) or stuck. A closed connection leaves rooms and presence.
 * <p>
 * One periodic task per event loop does both for the connections of that loop, so an idle replica costs one
 * scheduled task per loop, not one per connection (websockets-next's auto-ping arms a Vert.x timer for every
 * connection, and is left off). The task runs on the Netty event loop the connection was opened on
 * ({@link #watch} runs in {@code @OnOpen}, on the connection's event loop), so its pings are written there. It
 * ticks every tenth of the shorter of the two durations (at most every second), pinging the connections whose
 * interval has passed, so pings stay spread as the connections arrived. A connection is forgotten at the first sweep
 * after it closed.
 */
@Startup
@Singleton
public class IdleConnections {

    private static final Logger LOG = Logger.getLogger(IdleConnections.class);
    /**
     * The ping's payload; the client's pong echoes it. One buffer for every ping: each write takes a slice of it, and
     * Vert.x's heap buffers are never released.
     */

    private final LongAdder closed = new LongAdder();
    private final Map<EventExecutor, Sweep> sweeps = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final long idleNanos;
    private final long pingNanos;
    private final long tickMillis;
    private volatile boolean stopped;

    IdleConnections(Vertx vertx, ChorusConfig config) {
        this.vertx = vertx;
        Duration idle = config.limits().idleTimeout();
        Duration ping = config.limits().pingInterval();
        this.idleNanos = idle.toNanos();
        this.pingNanos = ping.toNanos();
        // Each connection is pinged within a tick of its interval and closed within a tick of its timeout.
        this.tickMillis = Math.max(20, Math.min(Math.min(ping.toMillis(), idle.toMillis()) / 10, 1_000));
    }

    /**
     * Puts a session that just opened under the watch of its event loop's sweep; called once, from {@code @OnOpen}, on
     * the connection's event loop.
     */
    public void watch(Session session) {
        session.seen();
        session.lastPing = System.nanoTime();
        sweepOfThisThread().arrivals.add(session);
    }

    /** Something arrived from the session (a frame or a pong). */
    public void seen(Session session) {
        session.seen();
    }

    /**
     * The sweep of the calling thread's event loop, started on first use. Off an event loop (never, for a connection
     * opened by websockets-next), one of Vert.x's loops takes the connection; its writes are then handed to the
     * connection's own loop by Vert.x.
     */
    private Sweep sweepOfThisThread() {
        EventExecutor current = ThreadExecutorMap.currentExecutor();
        EventExecutor loop = current != null ? current : vertx.nettyEventLoopGroup().next();
        Sweep sweep = sweeps.get(loop);
        if (sweep == null) {
            sweep = sweeps.computeIfAbsent(loop, l -> {
                Sweep started = new Sweep();
                started.task = l.scheduleAtFixedRate(started, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
                return started;
            });
            if (stopped) {
                sweep.task.cancel(false);
            }
        }
        return sweep;
    }

    /** The connections of one event loop, pinged and checked by one periodic task on that loop. */
    private final class Sweep implements Runnable {
        final Queue<Session> arrivals = new ConcurrentLinkedQueue<>();
        final ArrayList<Session> watched = new ArrayList<>();
        Future<?> task;

        @Override
        public void run() {
            try {
                sweep();
            } catch (RuntimeException e) { // an exception would end the periodic task: log it, sweep again next tick
                LOG.errorf(e, "Sweeping idle connections failed");
            }
        }

        private void sweep() {
            for (Session arrived; (arrived = arrivals.poll()) != null;) {
                watched.add(arrived);
            }
            long now = System.nanoTime();
            int kept = 0;
            int size = watched.size();
            for (int i = 0; i < size; i++) {
                Session session = watched.get(i);
                boolean idle = now - session.lastSeen() > idleNanos;
                boolean pingDue = now - session.lastPing >= pingNanos;
                // Asking the connection itself (a lock and a chain of Vert.x objects) only when the session looks
                // closed (no longer counted: Sessions.close uncounts it) or is due for a ping or a close: once per
                // ping interval, not every tick, for a connection that stays open.
                Link link = session.link();
                if ((!session.counted() || idle || pingDue || session.closingIdle) && !link.isOpen()) {
                    continue; // closed: forgotten
                }
                watched.set(kept++, session);
                if (session.closingIdle) {
                    continue;
                }
                if (idle) {
                    session.closingIdle = true;
                    close(session);
                } else if (pingDue) {
                    session.lastPing = now;
                    ping(link);
                }
            }
            for (int i = size - 1; i >= kept; i--) {
                watched.remove(i);
            }
        }
    }

    private void ping(Link link) {
        link.ping().subscribe().with(ok -> {
        }, failure -> LOG.debugf("Pinging %s failed: %s", link.id(), failure));
    }

    private void close(Session session) {
        Link link = session.link();
        LOG.debugf("Closing %s: idle for more than %d ms", link.id(), idleNanos / 1_000_000);
        closed.increment();
        link.close(Dialect.closeReasonFor(session, CloseCodes.IDLE)).subscribe().with(ok -> {
        }, failure -> LOG.debugf("Closing idle connection %s failed: %s", link.id(), failure));
    }

    /** Connections closed for idleness since start. */
    public long closedCount() {
        return closed.sum();
    }

    @PreDestroy
    void stop() {
        stopped = true;
        for (Sweep sweep : sweeps.values()) {
            sweep.task.cancel(false);
        }
    }
}
