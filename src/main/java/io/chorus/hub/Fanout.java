package io.chorus.hub;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.protocol.CloseCodes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;

/**
 * Writes already-encoded frames to connections — the same bytes to every recipient, never encoded again — and
 * bounds each connection's outbound queue: a client that stops reading while frames keep coming is closed with
 * {@code 4008} once {@code chorus.limits.max-pending-frames} of its frames are unwritten, instead of growing the
 * heap; everyone else keeps receiving.
 * <p>
 * A frame for many connections is turned into UTF-8 bytes once, and its writes are spread over the connections' own
 * event loops: one task per event loop writes to that loop's connections, so a broadcast uses every core and a
 * connection is only ever written to from its own thread. The writes go straight to each connection's Netty channel
 * (captured at the upgrade, {@link #CHANNEL}) as a text frame over a shared buffer — no per-connection encoding and
 * no reactive wrapper per send. A connection without a captured channel is written through its
 * {@code sendText}.
 */
@Singleton
public class Fanout {

    /** The Netty channel under a connection, put in its user data at the upgrade. */
    public static final TypedKey<Channel> CHANNEL = new TypedKey<>("chorus.netty-channel");

    private static final Logger LOG = Logger.getLogger(Fanout.class);
    private static final TypedKey<Pending> PENDING = new TypedKey<>("chorus.pending-frames");

    private final int maxPending;
    private final LongAdder written = new LongAdder();
    private final LongAdder slowConsumersClosed = new LongAdder();

    Fanout(ChorusConfig config) {
        this.maxPending = config.limits().maxPendingFrames();
    }

    /** A frame's text, and its UTF-8 bytes once a write needs them: encode once, write to many. */
    public static final class Frame {
        private final String text;
        private volatile ByteBuf bytes;

        public Frame(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        /** The UTF-8 bytes, encoded on first use; never released, so every write may take a retained slice. */
        ByteBuf bytes() {
            ByteBuf encoded = bytes;
            if (encoded == null) {
                synchronized (this) {
                    encoded = bytes;
                    if (encoded == null) {
                        encoded = Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8));
                        bytes = encoded;
                    }
                }
            }
            return encoded;
        }
    }

    /**
     * Writes the same frame to every open connection. Never blocks: each connection's writes happen on its own event
     * loop, in call order, so every connection sees frames in the order they were handed over here.
     */
    public void write(Iterable<WebSocketConnection> connections, String text) {
        Frame frame = new Frame(text);
        List<EventLoop> loops = new ArrayList<>(4);
        List<List<WebSocketConnection>> batches = new ArrayList<>(4);
        for (WebSocketConnection connection : connections) {
            Channel channel = connection.userData().get(CHANNEL);
            if (channel == null) {
                write(connection, frame);
                continue;
            }
            EventLoop loop = channel.eventLoop();
            int i = loops.indexOf(loop);
            if (i < 0) {
                loops.add(loop);
                batches.add(new ArrayList<>());
                i = loops.size() - 1;
            }
            batches.get(i).add(connection);
        }
        for (int i = 0; i < loops.size(); i++) {
            List<WebSocketConnection> batch = batches.get(i);
            EventLoop loop = loops.get(i);
            if (loop.inEventLoop()) {
                batch.forEach(connection -> writeOnLoop(connection, frame));
            } else {
                loop.execute(() -> batch.forEach(connection -> writeOnLoop(connection, frame)));
            }
        }
    }

    public void write(WebSocketConnection connection, String text) {
        write(connection, new Frame(text));
    }

    /** Writes a frame to one connection, on the connection's event loop. */
    public void write(WebSocketConnection connection, Frame frame) {
        Channel channel = connection.userData().get(CHANNEL);
        if (channel == null) {
            sendText(connection, frame.text());
        } else if (channel.eventLoop().inEventLoop()) {
            writeOnLoop(connection, frame);
        } else {
            channel.eventLoop().execute(() -> writeOnLoop(connection, frame));
        }
    }

    /** On the connection's event loop: checks its queue and writes the shared bytes to its channel. */
    private void writeOnLoop(WebSocketConnection connection, Frame frame) {
        if (!connection.isOpen()) {
            return; // checked on the loop that closes it: nothing follows a close frame
        }
        Pending pending = pendingOf(connection);
        if (pending.count.incrementAndGet() > maxPending) {
            pending.count.decrementAndGet();
            closeSlowConsumer(connection);
            return;
        }
        written.increment();
        Channel channel = connection.userData().get(CHANNEL);
        channel.writeAndFlush(new TextWebSocketFrame(true, 0, frame.bytes().retainedDuplicate()),
                channel.newPromise().addListener(pending));
    }

    /** The path for connections without a captured channel: Quarkus' own send, still bounded. */
    private void sendText(WebSocketConnection connection, String text) {
        if (!connection.isOpen()) {
            return;
        }
        Pending pending = pendingOf(connection);
        if (pending.count.incrementAndGet() > maxPending) {
            pending.count.decrementAndGet();
            closeSlowConsumer(connection);
            return;
        }
        written.increment();
        connection.sendText(text).subscribe().with(ok -> pending.count.decrementAndGet(), failure -> {
            pending.count.decrementAndGet();
            LOG.debugf("Dropped a frame for closing connection %s: %s", connection.id(), failure);
        });
    }

    /** A connection's written-but-unsent frames; counts down as each write completes (or fails). */
    private static final class Pending implements ChannelFutureListener {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void operationComplete(ChannelFuture future) {
            count.decrementAndGet();
        }
    }

    private static Pending pendingOf(WebSocketConnection connection) {
        Pending pending = connection.userData().get(PENDING);
        if (pending == null) {
            pending = new Pending();
            Pending raced = connection.userData().put(PENDING, pending);
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
