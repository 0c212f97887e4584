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
import io.netty.channel.ChannelHandlerContext;
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
 * connection is only ever written to from its own thread. The writes go straight into each connection's Netty
 * pipeline (its {@link Outlet}, captured at the upgrade) as a text frame over a shared buffer — no per-connection
 * encoding and no reactive wrapper per send. A connection without an outlet is written through its
 * {@code sendText}.
 */
@Singleton
public class Fanout {

    /** Where a connection's frames go, put in its user data at the upgrade ({@link #outletOf}). */
    public static final TypedKey<Outlet> OUTLET = new TypedKey<>("chorus.outlet");

    private static final Logger LOG = Logger.getLogger(Fanout.class);
    private static final TypedKey<AtomicInteger> PENDING = new TypedKey<>("chorus.pending-frames");
    /** The name of Vert.x's handler in a connection's pipeline. */
    private static final String VERTX_HANDLER = "handler";

    private final int maxPending;
    private final LongAdder written = new LongAdder();
    private final LongAdder slowConsumersClosed = new LongAdder();

    Fanout(ChorusConfig config) {
        this.maxPending = config.limits().maxPendingFrames();
    }

    /**
     * A connection's way out: the Netty context its writes enter the pipeline at (the one Vert.x writes from), its
     * event loop, and how many of its frames are written but not yet sent — one object, found with one lookup.
     */
    public static final class Outlet implements ChannelFutureListener {
        private final Channel channel;
        private final EventLoop loop;
        private final AtomicInteger pending = new AtomicInteger();
        private ChannelHandlerContext context; // resolved on the loop at the first write, once the upgrade is done

        private Outlet(Channel channel) {
            this.channel = channel;
            this.loop = channel.eventLoop();
        }

        /** Where writes enter the pipeline: Vert.x's own handler, so they pass exactly what its writes pass. */
        private ChannelHandlerContext context() {
            if (context == null) {
                ChannelHandlerContext vertx = channel.pipeline().context(VERTX_HANDLER);
                context = vertx != null ? vertx : channel.pipeline().lastContext();
            }
            return context;
        }

        @Override
        public void operationComplete(ChannelFuture future) {
            pending.decrementAndGet();
        }
    }

    /** The outlet of a connection on this channel. */
    public static Outlet outletOf(Channel channel) {
        return new Outlet(channel);
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
        List<Batch> batches = new ArrayList<>(4);
        Batch last = null;
        for (WebSocketConnection connection : connections) {
            Outlet outlet = connection.userData().get(OUTLET);
            if (outlet == null) {
                sendText(connection, text);
                continue;
            }
            if (last == null || last.loop != outlet.loop) {
                last = batchOf(batches, outlet.loop, frame);
            }
            last.connections.add(connection);
            last.outlets.add(outlet);
        }
        for (Batch batch : batches) {
            if (batch.loop.inEventLoop()) {
                batch.run();
            } else {
                batch.loop.execute(batch);
            }
        }
    }

    private Batch batchOf(List<Batch> batches, EventLoop loop, Frame frame) {
        for (Batch batch : batches) {
            if (batch.loop == loop) {
                return batch;
            }
        }
        Batch batch = new Batch(loop, frame);
        batches.add(batch);
        return batch;
    }

    /** One frame for the connections of one event loop, written there in one task. */
    private final class Batch implements Runnable {
        private final EventLoop loop;
        private final Frame frame;
        private final List<WebSocketConnection> connections = new ArrayList<>();
        private final List<Outlet> outlets = new ArrayList<>();

        Batch(EventLoop loop, Frame frame) {
            this.loop = loop;
            this.frame = frame;
        }

        @Override
        public void run() {
            for (int i = 0; i < connections.size(); i++) {
                writeOnLoop(connections.get(i), outlets.get(i), frame);
            }
        }
    }

    public void write(WebSocketConnection connection, String text) {
        write(connection, new Frame(text));
    }

    /** Writes a frame to one connection, on the connection's event loop. */
    public void write(WebSocketConnection connection, Frame frame) {
        Outlet outlet = connection.userData().get(OUTLET);
        if (outlet == null) {
            sendText(connection, frame.text());
        } else if (outlet.loop.inEventLoop()) {
            writeOnLoop(connection, outlet, frame);
        } else {
            outlet.loop.execute(() -> writeOnLoop(connection, outlet, frame));
        }
    }

    /** On the connection's event loop: checks its queue and writes the shared bytes to its channel. */
    private void writeOnLoop(WebSocketConnection connection, Outlet outlet, Frame frame) {
        if (!connection.isOpen()) {
            return; // checked on the loop that closes it: nothing follows a close frame
        }
        if (outlet.pending.incrementAndGet() > maxPending) {
            outlet.pending.decrementAndGet();
            closeSlowConsumer(connection);
            return;
        }
        written.increment();
        ChannelHandlerContext context = outlet.context();
        context.writeAndFlush(new TextWebSocketFrame(true, 0, frame.bytes().retainedDuplicate()),
                context.newPromise().addListener(outlet));
    }

    /** The path for connections without an outlet: Quarkus' own send, still bounded. */
    private void sendText(WebSocketConnection connection, String text) {
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
        connection.sendText(text).subscribe().with(ok -> pending.decrementAndGet(), failure -> {
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
