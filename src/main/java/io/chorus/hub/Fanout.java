package io.chorus.hub;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.protocol.CloseCodes;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * Writes already-encoded frames to connections — the same text to every recipient, never encoded again — and
 * bounds each connection's outbound queue: a client that stops reading while frames keep coming is closed with
 * {@code 4008} once {@code chorus.limits.max-pending-frames} of its frames are unwritten, instead of growing the
 * heap; everyone else keeps receiving.
 */
@Singleton
public class Fanout {

    private static final Logger LOG = Logger.getLogger(Fanout.class);
    private static final TypedKey<AtomicInteger> PENDING = new TypedKey<>("chorus.pending-frames");

    private final int maxPending;
    private final LongAdder written = new LongAdder();
    private final LongAdder slowConsumersClosed = new LongAdder();

    Fanout(ChorusConfig config) {
        this.maxPending = config.limits().maxPendingFrames();
    }

    /**
     * Writes the same frame text to every open connection. Never blocks: each write is queued on its connection's
     * event loop, in call order, so every connection sees frames in the order they were handed over here.
     */
    public void write(Iterable<WebSocketConnection> connections, String frame) {
        for (WebSocketConnection connection : connections) {
            write(connection, frame);
        }
    }

    public void write(WebSocketConnection connection, String frame) {
        if (!connection.isOpen()) {
            return;
        }
        AtomicInteger pending = pendingOf(connection);
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            closeSlowConsumer(connection);
            return;
        }
        written.increment();
        connection.sendText(frame).subscribe().with(ok -> pending.decrementAndGet(), failure -> {
            pending.decrementAndGet();
            LOG.debugf("Dropped a frame for closing connection %s: %s", connection.id(), failure);
        });
    }

    private static AtomicInteger pendingOf(WebSocketConnection connection) {
        AtomicInteger pending = connection.userData().get(PENDING);
        if (pending == null) {
            pending = new AtomicInteger();
            AtomicInteger raced = connection.userData().put(PENDING, pending);
            if (raced != null) {
                connection.userData().put(PENDING, raced);
                pending = raced;
            }
        }
        return pending;
    }

    private void closeSlowConsumer(WebSocketConnection connection) {
        if (connection.isClosed()) {
            return;
        }
        slowConsumersClosed.increment();
        LOG.infof("Closing %s: %d frames unread (slow consumer)", connection.id(), maxPending);
        connection.close(Dialect.closeReasonFor(connection, CloseCodes.SLOW_CONSUMER)).subscribe().with(ok -> {
        }, failure -> {
        });
    }

    /** Frames handed to connections since start. */
    public long writtenCount() {
        return written.sum();
    }

    /** Connections closed for not reading since start. */
    public long slowConsumersClosedCount() {
        return slowConsumersClosed.sum();
    }
}
