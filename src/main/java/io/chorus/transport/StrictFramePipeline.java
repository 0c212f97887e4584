package io.chorus.transport;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.chorus.pusher.PusherSocket;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Makes each {@code /ws} connection fail bad frames the way RFC 6455 says, by adding two Netty handlers just before
 * the Vert.x handler at upgrade time (after the WebSocket decoder; the WebSocket encoder lies on their outbound side):
 * <ul>
 * <li>Netty's {@link Utf8FrameValidator}: a text message that is not valid UTF-8 fails the connection with 1007
 * (§8.1). Vert.x alone decodes text leniently, turning bad bytes into U+FFFD.</li>
 * <li>{@link ProtocolViolationCloser}: when the WebSocket decoder rejects a frame — over the size limit (1009), or a
 * protocol error such as a reserved opcode or an unmasked frame (1002) — it sends the close frame with that code
 * before closing. Without it Vert.x drops the TCP connection and the client never learns why.</li>
 * </ul>
 * Per-message compression is switched off (application.properties), so the validator sees the bytes as sent.
 */
@Singleton
class StrictFramePipeline implements HttpUpgradeCheck {

    private static final Logger LOG = Logger.getLogger(StrictFramePipeline.class);
    private static final String UTF8_VALIDATOR = "chorus-utf8-validator";
    private static final String VIOLATION_CLOSER = "chorus-protocol-violation-closer";
    private static final String VERTX_HANDLER = "handler";

    private final ChorusMeters meters;

    StrictFramePipeline(ChorusMeters meters) {
        this.meters = meters;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        HttpConnection connection = context.httpRequest().connection();
        if (connection instanceof ConnectionBase base) {
            ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
            if (pipeline.get(VIOLATION_CLOSER) == null && pipeline.get(VERTX_HANDLER) != null) {
                pipeline.addBefore(VERTX_HANDLER, VIOLATION_CLOSER, new ProtocolViolationCloser(meters));
                pipeline.addBefore(VIOLATION_CLOSER, UTF8_VALIDATOR, new Utf8FrameValidator(true));
            }
        } else {
            LOG.debugf("No strict frame handling for a %s connection", connection.getClass().getName());
        }
        return CheckResult.permitUpgrade();
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return ChatSocket.ENDPOINT_ID.equals(endpointId) || PusherSocket.ENDPOINT_ID.equals(endpointId);
    }

    /** Answers a frame the decoder rejected with a close frame carrying the decoder's status code. */
    static final class ProtocolViolationCloser extends ChannelInboundHandlerAdapter {

        private final ChorusMeters meters;

        ProtocolViolationCloser(ChorusMeters meters) {
            this.meters = meters;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof CorruptedWebSocketFrameException corrupted && ctx.channel().isActive()) {
                LOG.debugf("Closing %s: %s", ctx.channel().remoteAddress(), corrupted.getMessage());
                meters.refused(Refusal.BAD_FRAME);
                ctx.writeAndFlush(new CloseWebSocketFrame(corrupted.closeStatus()))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.fireExceptionCaught(cause);
        }
    }
}
