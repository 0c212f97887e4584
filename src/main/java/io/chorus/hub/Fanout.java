package io.chorus.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.protocol.CloseCodes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;

/**
 * Writes already-encoded frames to connections — the same bytes to every recipient, never encoded again — and
 * bounds each connection's outbound queue in bytes: a client that stops reading while frames keep coming is closed
 * with {@code 4008} once more than {@code chorus.limits.max-pending-bytes} (its channel is unwritable: the high water
 * mark is set at the upgrade) or {@code chorus.limits.max-pending-frames} frames are unwritten, and its TCP connection
 * is then closed at once, instead of growing the heap; everyone else keeps receiving.
 * <p>
 * A frame for many connections is encoded once — UTF-8, behind its WebSocket header — and its writes are spread over
 * the connections' own event loops: one task per event loop writes to that loop's connections, so a broadcast uses
 * every core and a connection is only ever written to from its own thread. The encoded bytes go straight into each
 * connection's Netty pipeline (its {@link Outlet}, captured at the upgrade) below the WebSocket frame encoder: per
 * connection, a write is a retained view of the shared buffer and a flush — no encoding, no promise, no listener, no
 * reactive wrapper. How many frames a connection has not taken yet is read off its channel's outbound buffer. A
 * connection with a WebSocket extension encoder in its pipeline (compression, never negotiated by Chorus) gets a text
 * frame above the encoders instead; one without an outlet is written through its {@code sendText}.
 * <p>
 * Writes are not flushed one by one: each event loop flushes the connections it wrote to once, after the tasks already
 * queued on it have run (or after {@code chorus.delivery.write-delay}), so frames that reach a connection together —
 * several messages in one read from Redis, or batches queued behind each other — leave in one socket write. Writes and
 * flushes stay on the connection's loop, in call order with every other write to it.
 */
@Singleton
public class Fanout {

    private static final Logger LOG = Logger.getLogger(Fanout.class);
    /** The name of Vert.x's handler in a connection's pipeline. */
    private static final String VERTX_HANDLER = "handler";

    private final int maxPending;
    private final int maxPendingBytes;
    private final long writeDelayNanos;
    private final Map<EventLoop, Flushes> flushes = new ConcurrentHashMap<>();
    private final LongAdder flushed = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final LongAdder slowConsumersClosed = new LongAdder();

    Fanout(ChorusConfig config) {
        this.maxPending = config.limits().maxPendingFrames();
        this.maxPendingBytes = config.limits().maxPendingBytes();
        this.writeDelayNanos = config.delivery().writeDelay().toNanos();
    }

    /**
     * A connection's way out: its channel, its event loop, and the Netty context its writes enter the pipeline at —
     * one object, found with one lookup.
     */
    public static final class Outlet {
        private final Channel channel;
        private final EventLoop loop;
        private final ChannelPromise noPromise;
        private ChannelHandlerContext context; // resolved on the loop at the first write, once the upgrade is done
        private boolean encoded; // whether writes at context take encoded frame bytes (else a TextWebSocketFrame)
        private boolean stopped; // a Close frame went out: nothing more is written (on the loop)
        private boolean unflushed; // written to since its loop's last flush (on the loop)

        /** The event loop the connection is written on. */
        public EventLoop loop() {
            return loop;
        }

        private Outlet(Channel channel) {
            this.channel = channel;
            this.loop = channel.eventLoop();
            // failed writes (the peer is gone) are not reported: the connection's close does that
            this.noPromise = new VoidChannelPromise(channel, false);
        }

        /**
         * Where writes enter the pipeline: just below the WebSocket frame encoder, so already-encoded frames skip it;
         * or, when a WebSocket extension encoder sits above it, Vert.x's own handler, so frames pass what Vert.x's
         * writes pass.
         */
        private ChannelHandlerContext context() {
            if (context == null) {
                ChannelPipeline pipeline = channel.pipeline();
                ChannelHandlerContext encoder = pipeline.context(WebSocketFrameEncoder.class);
                if (encoder != null && !hasExtensionEncoder(pipeline)) {
                    context = encoder;
                    encoded = true;
                } else {
                    ChannelHandlerContext vertx = pipeline.context(VERTX_HANDLER);
                    context = vertx != null ? vertx : pipeline.lastContext();
                }
            }
            return context;
        }

        private static boolean hasExtensionEncoder(ChannelPipeline pipeline) {
            for (var entry : pipeline) {
                ChannelHandler handler = entry.getValue();
                if (handler instanceof WebSocketExtensionEncoder) {
                    return true;
                }
            }
            return false;
        }

        /**
         * No frame is written after this (on the connection's event loop): the transport wrote a Close frame below
         * Vert.x, which does not know the connection is closing.
         */
        public void stop() {
            stopped = true;
        }

        /**
         * Whether the connection has more bytes waiting to be written than {@code chorus.limits.max-pending-bytes}
         * (the channel's high water mark, set at the upgrade), or this many frames.
         */
        private boolean overLimit(int maxFrames) {
            return !channel.isWritable() || unsent() >= maxFrames;
        }

        /**
         * Closes the TCP connection from below Vert.x's handler, which would otherwise wait for the peer's Close
         * (on the connection's event loop).
         */
        void closeNow() {
            if (loop.inEventLoop()) {
                context().close();
            } else {
                loop.execute(() -> context().close());
            }
        }

        /** Frames flushed to the channel that the socket has not taken yet. */
        private int unsent() {
            ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
            return buffer == null ? 0 : buffer.size();
        }

        /** Writes the frame without flushing it; true when the connection was flushed since its last write. */
        private boolean write(Frame frame) {
            ChannelHandlerContext at = context();
            if (encoded) {
                at.write(frame.wire(at.alloc()).retainedDuplicate(), noPromise);
            } else {
                at.write(new TextWebSocketFrame(true, 0, frame.retainedPayload(at.alloc())), noPromise);
            }
            boolean first = !unflushed;
            unflushed = true;
            return first;
        }

        private void flush() {
            unflushed = false;
            context.flush();
        }
    }

    /** The outlet of a connection on this channel. */
    public static Outlet outletOf(Channel channel) {
        return new Outlet(channel);
    }

    /**
     * A frame's text, and its bytes once a write needs them: encode once, write to many. The bytes are pooled direct
     * memory, which the socket writes from as they are (a heap buffer would be copied into direct memory again for
     * every connection it is written to), so they are given back explicitly: whoever makes a frame holds it, every
     * batch of writes holds it until it has run, each write holds a view until the socket took it, and the bytes go
     * back to the pool when the last of them lets go.
     */
    public static final class Frame {
        private final String text;
        private final AtomicInteger holders = new AtomicInteger(1);
        private volatile ByteBuf wire;

        /** A frame held by its maker, who {@link #release()}s it once it has handed it to its writes. */
        public Frame(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        /** One more holder; fails if every holder had let go (its bytes may be gone). */
        Frame retain() {
            if (holders.getAndUpdate(n -> n == 0 ? 0 : n + 1) == 0) {
                throw new IllegalStateException("frame already released");
            }
            return this;
        }

        /** A holder lets go; the last one gives the bytes back. */
        public void release() {
            if (holders.decrementAndGet() == 0) {
                ByteBuf bytes;
                synchronized (this) {
                    bytes = wire;
                    wire = null;
                }
                if (bytes != null) {
                    bytes.release();
                }
            }
        }

        /**
         * The whole WebSocket frame as a server sends it (RFC 6455 5.2: FIN, text opcode, unmasked, length), encoded
         * at the first call with memory of {@code pool} (the connection's own allocator: the one its socket would copy
         * a heap buffer into); only for a holder of the frame, and valid while it holds it.
         */
        ByteBuf wire(ByteBufAllocator pool) {
            ByteBuf bytes = wire;
            if (bytes == null) {
                synchronized (this) {
                    if (holders.get() == 0) {
                        throw new IllegalStateException("frame already released");
                    }
                    bytes = wire;
                    if (bytes == null) {
                        bytes = textFrame(text, pool);
                        wire = bytes;
                    }
                }
            }
            return bytes;
        }

        /** A retained view of the UTF-8 text alone, behind the frame's header. */
        ByteBuf retainedPayload(ByteBufAllocator pool) {
            ByteBuf frame = wire(pool);
            int lengthCode = frame.getByte(1) & 0x7F; // 126: 16-bit length follows, 127: 64-bit
            int header = lengthCode == 126 ? 4 : lengthCode == 127 ? 10 : 2;
            return frame.retainedSlice(header, frame.readableBytes() - header);
        }

        private static ByteBuf textFrame(String text, ByteBufAllocator pool) {
            int length = ByteBufUtil.utf8Bytes(text);
            int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
            ByteBuf frame = pool.directBuffer(header + length);
            frame.writeByte(0x81); // FIN, text
            if (length < 126) {
                frame.writeByte(length);
            } else if (length <= 0xFFFF) {
                frame.writeByte(126);
                frame.writeShort(length);
            } else {
                frame.writeByte(127);
                frame.writeLong(length);
            }
            ByteBufUtil.reserveAndWriteUtf8(frame, text, length); // exactly what is left: no reallocation
            return frame;
        }
    }

    /**
     * Writes the same frame to every open session. Never blocks: each session's writes happen on its own event loop,
     * in call order, so every session sees frames in the order they were handed over here.
     */
    public void write(Iterable<Session> sessions, String text) {
        Frame frame = new Frame(text);
        try {
            write(sessions, frame);
        } finally {
            frame.release();
        }
    }

    /** As {@link #write(Iterable, String)}, for a frame that may already be encoded; the caller holds it. */
    public void write(Iterable<Session> sessions, Frame frame) {
        List<Batch> batches = new ArrayList<>(4);
        Batch last = null;
        for (Session session : sessions) {
            Outlet outlet = session.outlet();
            if (outlet == null) {
                sendText(session, frame.text());
                continue;
            }
            if (last == null || last.loop != outlet.loop) {
                last = batchOf(batches, outlet.loop, frame);
            }
            last.sessions.add(session);
        }
        for (Batch batch : batches) {
            batch.start();
        }
    }

    /**
     * As {@link #write(Iterable, Frame)}, for sessions already known to be of one event loop ({@code loop}; null:
     * sessions without an outlet): the list is handed to the loop as it is, and only read there. The caller holds the
     * frame.
     */
    public void write(EventLoop loop, List<Session> sessions, Frame frame) {
        if (loop == null) {
            for (Session session : sessions) {
                sendText(session, frame.text());
            }
            return;
        }
        new Batch(loop, frame, sessions).start();
    }

    private Batch batchOf(List<Batch> batches, EventLoop loop, Frame frame) {
        for (Batch batch : batches) {
            if (batch.loop == loop) {
                return batch;
            }
        }
        Batch batch = new Batch(loop, frame, new ArrayList<>());
        batches.add(batch);
        return batch;
    }

    /** One frame for the sessions of one event loop, written there in one task; holds the frame until it has run. */
    private final class Batch implements Runnable {
        private final EventLoop loop;
        private final Frame frame;
        private final List<Session> sessions;

        Batch(EventLoop loop, Frame frame, List<Session> sessions) {
            this.loop = loop;
            this.frame = frame.retain();
            this.sessions = sessions;
        }

        void start() {
            if (loop.inEventLoop()) {
                run();
                return;
            }
            try {
                loop.execute(this);
            } catch (RejectedExecutionException shutDown) {
                frame.release(); // the loop is gone, and its connections with it
            }
        }

        @Override
        public void run() {
            try {
                Flushes due = flushes.computeIfAbsent(loop, Flushes::new);
                int wrote = 0;
                for (int i = 0; i < sessions.size(); i++) {
                    Session session = sessions.get(i);
                    if (writeOnLoop(session, session.outlet(), frame, due)) {
                        wrote++;
                    }
                }
                written.add(wrote);
            } finally {
                frame.release();
            }
        }
    }

    /**
     * On the connection's event loop: checks its queue and writes the shared bytes to its channel, to be flushed with
     * the loop's next flush; true if written.
     */
    private boolean writeOnLoop(Session session, Outlet outlet, Frame frame, Flushes due) {
        if (!session.link().isOpen() || outlet.stopped) {
            return false; // checked on the loop that closes it: nothing follows a close frame
        }
        if (outlet.overLimit(maxPending)) {
            closeSlowConsumer(session, outlet);
            return false;
        }
        if (outlet.write(frame)) {
            due.add(outlet);
        }
        return true;
    }

    /**
     * The connections one event loop wrote to since its last flush, flushed together in one task: queued behind what
     * the loop already has to do, or after {@code chorus.delivery.write-delay}. Only ever used on its loop.
     */
    private final class Flushes implements Runnable {
        private final EventLoop loop;
        private List<Outlet> waiting = new ArrayList<>();
        private List<Outlet> spare = new ArrayList<>();
        private boolean scheduled;

        Flushes(EventLoop loop) {
            this.loop = loop;
        }

        void add(Outlet outlet) {
            waiting.add(outlet);
            if (!scheduled) {
                scheduled = true;
                if (writeDelayNanos > 0) {
                    loop.schedule(this, writeDelayNanos, TimeUnit.NANOSECONDS);
                } else {
                    loop.execute(this);
                }
            }
        }

        @Override
        public void run() {
            scheduled = false;
            List<Outlet> now = waiting; // a flush may lead to writes: they wait for the next one
            waiting = spare;
            for (int i = 0; i < now.size(); i++) {
                try {
                    now.get(i).flush(); // marks it flushed first: a later write schedules it again, whatever happens
                } catch (RuntimeException failure) {
                    LOG.debugf("Flushing a connection failed: %s", failure);
                }
            }
            flushed.add(now.size());
            now.clear();
            spare = now;
        }
    }

    /** The path for connections without an outlet: Quarkus' own send, still bounded. */
    private void sendText(Session session, String text) {
        Link link = session.link();
        if (!link.isOpen()) {
            return;
        }
        if (session.addPendingFrame() > maxPending) {
            session.frameDone();
            closeSlowConsumer(session, null);
            return;
        }
        written.increment();
        link.sendText(text).subscribe().with(ok -> session.frameDone(), failure -> {
            session.frameDone();
            LOG.debugf("Dropped a frame for closing connection %s: %s", link.id(), failure);
        });
    }

    /**
     * Sends the slow consumer its 4008 (behind what it has not read yet: its bytes stay bounded by the limit) and closes
     * its TCP connection as soon as that Close is written, without waiting for the client's Close. A client that never
     * reads again is let go by Vert.x's closing timeout.
     */
    private void closeSlowConsumer(Session session, Outlet outlet) {
        Link link = session.link();
        if (link.isClosed()) {
            return;
        }
        slowConsumersClosed.increment();
        LOG.infof("Closing %s: over %d bytes or %d frames unread (slow consumer)", link.id(), maxPendingBytes,
                maxPending);
        link.close(Dialect.closeReasonFor(session, CloseCodes.SLOW_CONSUMER)).subscribe().with(ok -> {
            if (outlet != null) {
                outlet.closeNow();
            }
        }, failure -> {
            LOG.debugf("Closing slow consumer %s failed: %s", link.id(), failure);
            if (outlet != null) {
                outlet.closeNow();
            }
        });
    }

    /** Frames handed to connections since start. */
    public long writtenCount() {
        return written.sum();
    }

    /** Socket flushes of written frames since start: fewer than {@link #writtenCount()} when writes were coalesced. */
    public long flushedCount() {
        return flushed.sum();
    }

    /** Connections closed for not reading since start. */
    public long slowConsumersClosedCount() {
        return slowConsumersClosed.sum();
    }
}
