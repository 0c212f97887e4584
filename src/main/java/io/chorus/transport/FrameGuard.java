package io.chorus.transport;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.chorus.hub.Fanout;
import io.chorus.hub.Session;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * One connection's RFC 6455 referee and inbound bound, right after the WebSocket decoder (and the UTF-8 validator),
 * before Vert.x's handler.
 * <p>
 * <b>Failing the connection</b> (§7.1.7): a frame the decoder rejects (reserved opcode, fragmented or oversized
 * control frame, continuation with no message open, interleaved fragments, a 64-bit length with its MSB set, a frame
 * over the size limit), text that is not UTF-8, a frame with RSV bits set (no extension is ever negotiated, §5.2), or
 * a Close frame with a 1-byte body, a code outside the valid ranges (§7.4) or a reason that is not UTF-8: the guard
 * sends a Close with the code (1002, 1007 or 1009), reads nothing more, and closes the TCP connection once the Close
 * is written, or after {@link #CLOSE_GRACE_MILLIS} if the peer does not take it. The same goes for a Close with code
 * 1002, 1007 or 1009 that the application sends (a message over the size limit, found by Vert.x). After any Close the
 * server sends (these, or a normal one), nothing else is written to the connection.
 * <p>
 * <b>Inbound bound</b>: the text messages received but not handled yet by the endpoint (websockets-next queues them
 * without bound) are counted, in number and bytes; at {@code chorus.limits.max-inbound-messages} or
 * {@code max-inbound-bytes}, and while the channel is unwritable (over {@code chorus.limits.max-pending-bytes}
 * waiting to be written), the guard stops reading from the socket. TCP then pushes back on the client; reading
 * resumes as the endpoint reports messages handled ({@link #handled}). A client can thus make the server hold at most
 * those bounds plus one socket read, never an unbounded queue.
 */
final class FrameGuard extends ChannelDuplexHandler implements Session.InboundBound {

    static final String NAME = "chorus-frame-guard";
    static final long CLOSE_GRACE_MILLIS = 1000;

    private static final Logger LOG = Logger.getLogger(FrameGuard.class);

    private final ChorusMeters meters;
    private final Fanout.Outlet outlet;
    private final int maxInboundMessages;
    private final long maxInboundBytes;

    // all below: on the channel's event loop only
    private ChannelHandlerContext context;
    private boolean failed; // this guard failed the connection: nothing more is read
    private boolean closeSent; // a Close frame went out: nothing more is written
    private boolean readingStopped;
    private boolean inText; // a fragmented text message is open
    private long openMessageBytes;
    private ArrayDeque<Long> unhandled; // made at the first message: many connections never send one
    private long unhandledBytes;

    FrameGuard(ChorusMeters meters, Fanout.Outlet outlet, int maxInboundMessages, long maxInboundBytes) {
        this.meters = meters;
        this.outlet = outlet;
        this.maxInboundMessages = Math.max(1, maxInboundMessages);
        this.maxInboundBytes = maxInboundBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.context = ctx;
    }

    /** The endpoint finished handling the oldest text message it was handed; from any thread. */
    @Override
    public void handled() {
        ChannelHandlerContext ctx = context;
        if (ctx == null) {
            return;
        }
        if (ctx.executor().inEventLoop()) {
            handledOnLoop();
        } else {
            ctx.executor().execute(this::handledOnLoop);
        }
    }

    private void handledOnLoop() {
        Long bytes = unhandled == null ? null : unhandled.poll();
        if (bytes != null) {
            unhandledBytes -= bytes;
        }
        updateReading();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg); // §7.1.7: no more data is processed
            return;
        }
        if (msg instanceof WebSocketFrame frame) {
            if (frame.rsv() != 0) {
                frame.release();
                fail(ctx, WebSocketCloseStatus.PROTOCOL_ERROR, "reserved bits set without an extension");
                return;
            }
            if (frame instanceof CloseWebSocketFrame close) {
                WebSocketCloseStatus problem = problemOf(close.content());
                if (problem != null) {
                    frame.release();
                    fail(ctx, problem, problem == WebSocketCloseStatus.INVALID_PAYLOAD_DATA ? "close reason is not UTF-8"
                            : "invalid close frame");
                    return;
                }
            } else if (frame instanceof TextWebSocketFrame) {
                openMessageBytes = frame.content().readableBytes();
                inText = !frame.isFinalFragment();
                if (!inText) {
                    received(openMessageBytes);
                }
            } else if (frame instanceof ContinuationWebSocketFrame && inText) {
                openMessageBytes += frame.content().readableBytes();
                if (frame.isFinalFragment()) {
                    inText = false;
                    received(openMessageBytes);
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** What is wrong with a Close frame's body (§5.5.1, §7.4), or null. */
    static WebSocketCloseStatus problemOf(ByteBuf body) {
        int length = body.readableBytes();
        if (length == 0) {
            return null;
        }
        if (length == 1) {
            return WebSocketCloseStatus.PROTOCOL_ERROR;
        }
        if (!isValidCloseCode(body.getUnsignedShort(body.readerIndex()))) {
            return WebSocketCloseStatus.PROTOCOL_ERROR;
        }
        if (length > 2 && !ByteBufUtil.isText(body, body.readerIndex() + 2, length - 2, StandardCharsets.UTF_8)) {
            return WebSocketCloseStatus.INVALID_PAYLOAD_DATA;
        }
        return null;
    }

    /** §7.4: the codes an endpoint may put in a Close frame (1004-1006 and 1015 are reserved; 5000 and up unknown). */
    static boolean isValidCloseCode(int code) {
        return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006
                || code >= 3000 && code <= 4999;
    }

    private void received(long bytes) {
        if (unhandled == null) {
            unhandled = new ArrayDeque<>(4);
        }
        unhandled.add(bytes);
        unhandledBytes += bytes;
        updateReading();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        updateReading();
        ctx.fireChannelWritabilityChanged();
    }

    /** Stops reading while the connection holds too much (or is failed); resumes when it no longer does. */
    private void updateReading() {
        ChannelHandlerContext ctx = context;
        if (ctx == null || failed) {
            return;
        }
        int pending = unhandled == null ? 0 : unhandled.size();
        boolean stop = pending >= maxInboundMessages || unhandledBytes >= maxInboundBytes
                || !ctx.channel().isWritable();
        if (stop != readingStopped) {
            readingStopped = stop;
            ctx.channel().config().setAutoRead(!stop);
            if (!stop) {
                ctx.read();
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupted) {
            fail(ctx, corrupted.closeStatus(), corrupted.getMessage());
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /** Fails the connection: Close with this status, read nothing more, close TCP as soon as the Close is out. */
    private void fail(ChannelHandlerContext ctx, WebSocketCloseStatus status, String reason) {
        if (failed) {
            return;
        }
        failed = true;
        ctx.channel().config().setAutoRead(false);
        if (closeSent || !ctx.channel().isActive()) {
            ctx.close();
            return;
        }
        LOG.debugf("Failing %s with %d: %s", ctx.channel().remoteAddress(), status.code(), reason);
        meters.refused(status.code() == 1009 ? Refusal.MESSAGE_TOO_BIG : Refusal.BAD_FRAME);
        markCloseSent();
        String text = reason == null ? status.reasonText() : reason.length() > 100 ? reason.substring(0, 100) : reason;
        ChannelPromise written = ctx.newPromise();
        ctx.writeAndFlush(new CloseWebSocketFrame(status.code(), text), written);
        closeAfter(ctx, written);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (closeSent) {
            ReferenceCountUtil.release(msg); // §5.5.1: nothing follows a Close
            if (!promise.isVoid()) {
                promise.tryFailure(new IllegalStateException("the connection is closing"));
            }
            return;
        }
        if (msg instanceof CloseWebSocketFrame close) {
            markCloseSent();
            int code = close.statusCode();
            if (code == 1002 || code == 1007 || code == 1009) { // the application failing the connection
                failed = true;
                ctx.channel().config().setAutoRead(false);
                ChannelPromise written = promise.isVoid() ? ctx.newPromise() : promise;
                ctx.write(msg, written);
                closeAfter(ctx, written);
                return;
            }
        }
        ctx.write(msg, promise);
    }

    private void markCloseSent() {
        closeSent = true;
        if (outlet != null) {
            outlet.stop();
        }
    }

    /**
     * Closes the channel once the Close frame is written, or after a grace period if the peer does not take it. The
     * close starts here, below Vert.x's handler: a close passing through it would turn into Vert.x's closing
     * handshake, which waits for the peer's Close.
     */
    private static void closeAfter(ChannelHandlerContext ctx, ChannelPromise written) {
        written.addListener(done -> ctx.close());
        ctx.executor().schedule(() -> {
            ctx.close();
        }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
}
