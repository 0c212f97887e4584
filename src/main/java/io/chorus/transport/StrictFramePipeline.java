package io.chorus.transport;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.hub.Fanout;
import io.chorus.hub.Session;
import io.chorus.metrics.ChorusMeters;
import io.chorus.session.Endpoints;
import io.chorus.session.UpgradeOrder;
import io.chorus.session.WebSocketLink;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Makes each connection (both endpoints) follow RFC 6455 to the letter and bounds its memory, by readying its Netty
 * pipeline at the upgrade, once every other check has passed ({@link UpgradeOrder#PIPELINE}):
 * <ul>
 * <li>Netty's {@link Utf8FrameValidator}: a text message that is not valid UTF-8 fails the connection with 1007
 * (§8.1). Vert.x alone decodes text leniently, turning bad bytes into U+FFFD.</li>
 * <li>{@link FrameGuard}: fails the connection on every protocol error (Close 1002/1007/1009, then TCP closed at once,
 * nothing more read or written), and stops reading from a connection that holds too many unhandled messages or
 * too many unwritten bytes.</li>
 * <li>the channel's write buffer high water mark: {@code chorus.limits.max-pending-bytes}. Past it the channel is
 * unwritable: the guard stops reading and {@link Fanout} closes the connection with 4008.</li>
 * </ul>
 * Both sit after the WebSocket decoder, before the Vert.x handler (the WebSocket encoder lies on their outbound side).
 * Per-message compression is switched off (application.properties), so the validator sees the bytes as sent.
 */
@Singleton
@Priority(UpgradeOrder.PIPELINE)
class StrictFramePipeline implements HttpUpgradeCheck {

    private static final Logger LOG = Logger.getLogger(StrictFramePipeline.class);
    private static final String UTF8_VALIDATOR = "chorus-utf8-validator";
    private static final String VERTX_HANDLER = "handler";

    private final ChorusMeters meters;
    private final int maxInboundMessages;
    private final int maxInboundBytes;
    private final WriteBufferWaterMark waterMark;

    StrictFramePipeline(ChorusMeters meters, ChorusConfig config) {
        this.meters = meters;
        this.maxInboundMessages = config.limits().maxInboundMessages();
        this.maxInboundBytes = Math.max(config.limits().maxInboundBytes(), config.limits().maxMessageBytes());
        int high = Math.max(1, config.limits().maxPendingBytes());
        this.waterMark = new WriteBufferWaterMark(high / 2, high);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        HttpConnection connection = context.httpRequest().connection();
        if (connection instanceof ConnectionBase base) {
            Channel channel = base.channel();
            ChannelPipeline pipeline = channel.pipeline();
            if (pipeline.get(FrameGuard.NAME) == null && pipeline.get(VERTX_HANDLER) != null) {
                Session session = WebSocketLink.at(context.userData());
                FrameGuard guard = new FrameGuard(meters, session.outlet(), maxInboundMessages,
                        maxInboundBytes);
                pipeline.addBefore(VERTX_HANDLER, FrameGuard.NAME, guard);
                pipeline.addBefore(FrameGuard.NAME, UTF8_VALIDATOR, new Utf8FrameValidator(false));
                channel.config().setWriteBufferWaterMark(waterMark);
                session.inbound(guard);
            }
        } else {
            LOG.debugf("No strict frame handling for a %s connection", connection.getClass().getName());
        }
        return CheckResult.permitUpgrade();
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return Endpoints.isClient(endpointId);
    }
}
