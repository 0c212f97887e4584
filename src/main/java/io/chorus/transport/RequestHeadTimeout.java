package io.chorus.transport;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.vertx.http.HttpServerStart;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.impl.TCPServerBase;

/**
 * Disconnects a client that does not send its whole first HTTP request head (the WebSocket handshake) within
 * {@code chorus.limits.request-head-timeout}: the HTTP idle timeout restarts with every byte, so a handshake trickled
 * a byte at a time would otherwise hold its connection (and file descriptor) for as long as the client likes.
 * <p>
 * Neither Quarkus nor Vert.x has such a timeout, and the first code of Chorus's to see a connection normally runs
 * once its head is complete. So, once the HTTP server listens (Quarkus fires {@link HttpServerStart}), a handler is put in front of its listening channel's
 * acceptor: each accepted connection gets a {@link HeadDeadline} first in its pipeline, which watches the raw bytes
 * for the end of the head (an empty line) and closes the connection if the deadline comes first; once the head is
 * complete it removes itself. Vert.x internals (the server's bound channel): should they change, a warning says the
 * timeout is not enforced. Plain HTTP only (the head of a TLS connection is not readable there; TLS is terminated in
 * front of Chorus).
 */
@Singleton
@RegisterForReflection(targets = TCPServerBase.class) // its two fields are read reflectively, also in a native image
class RequestHeadTimeout {

    static final String INSTALLER = "chorus-request-head-timeout";
    static final String DEADLINE = "chorus-request-head-deadline";

    private static final Logger LOG = Logger.getLogger(RequestHeadTimeout.class);

    private final long timeoutMillis;
    private final Vertx vertx;

    RequestHeadTimeout(ChorusConfig config, Vertx vertx) {
        this.timeoutMillis = config.limits().requestHeadTimeout().toMillis();
        this.vertx = vertx;
    }

    void onStart(@ObservesAsync HttpServerStart start) {
        if (timeoutMillis <= 0) {
            return;
        }
        try {
            for (TCPServerBase server : ((VertxInternal) vertx).sharedHttpServers().values()) {
                NetServerOptions options = (NetServerOptions) field(TCPServerBase.class, "options").get(server);
                Future<?> bound = (Future<?>) field(TCPServerBase.class, "bindFuture").get(server);
                if (options.isSsl() || bound == null || !(bound.result() instanceof Channel listening)) {
                    continue;
                }
                synchronized (this) {
                    if (listening.pipeline().get(INSTALLER) == null) {
                        listening.pipeline().addFirst(INSTALLER, new Installer(timeoutMillis));
                        LOG.debugf("Request heads on %s must arrive within %d ms", listening.localAddress(),
                                timeoutMillis);
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warnf("chorus.limits.request-head-timeout is not enforced: %s", e);
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }

    /** On the listening channel: gives every accepted connection its deadline. */
    @Sharable
    static final class Installer extends ChannelInboundHandlerAdapter {
        private final long timeoutMillis;

        Installer(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel accepted) {
                accepted.pipeline().addFirst(DEADLINE, new HeadDeadline(timeoutMillis));
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** First in a connection's pipeline until its first request head is complete. */
    static final class HeadDeadline extends ChannelInboundHandlerAdapter {
        private final long timeoutMillis;
        private ScheduledFuture<?> deadline;
        private int lineLength; // characters of the current line, CR left out
        private boolean sawLine;

        HeadDeadline(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            deadline = ctx.executor().schedule(() -> {
                LOG.debugf("Closing %s: no complete request head within %d ms", ctx.channel().remoteAddress(),
                        timeoutMillis);
                ctx.channel().close();
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            deadline.cancel(false);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            deadline.cancel(false);
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean complete = msg instanceof ByteBuf bytes && headEndsIn(bytes);
            ctx.fireChannelRead(msg);
            if (complete && ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
        }

        /** Whether these bytes complete the head: a line break right after another (CRs ignored). */
        private boolean headEndsIn(ByteBuf bytes) {
            for (int i = bytes.readerIndex(), end = bytes.writerIndex(); i < end; i++) {
                byte b = bytes.getByte(i);
                if (b == '\n') {
                    if (lineLength == 0 && sawLine) {
                        return true;
                    }
                    sawLine = lineLength > 0 || sawLine;
                    lineLength = 0;
                } else if (b != '\r') {
                    lineLength++;
                }
            }
            return false;
        }
    }
}
