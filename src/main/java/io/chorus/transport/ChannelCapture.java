package io.chorus.transport;

import jakarta.inject.Singleton;

import io.chorus.hub.Fanout;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Readies an upgrading connection's Netty pipeline for delivery:
 * <ul>
 * <li>hands its channel to {@link Fanout} (an outlet in the connection's user data), so delivery writes shared bytes
 * straight into it on its own event loop;</li>
 * <li>removes the HTTP server's idle-timeout handler: a WebSocket's liveness is the server's pings and
 * {@link io.chorus.hub.IdleConnections} (4002), and the handler cost every connection a scheduled task and every
 * write a listener.</li>
 * </ul>
 * Vert.x internals ({@code ConnectionBase}): should they change, connections simply have no outlet and Fanout writes
 * through Quarkus' {@code sendText}.
 */
@Singleton
class ChannelCapture implements HttpUpgradeCheck {

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        HttpConnection connection = context.httpRequest().connection();
        if (connection instanceof ConnectionBase base) {
            context.userData().put(Fanout.OUTLET, Fanout.outletOf(base.channel()));
            ChannelPipeline pipeline = base.channel().pipeline();
            IdleStateHandler idle = pipeline.get(IdleStateHandler.class);
            if (idle != null) {
                pipeline.remove(idle);
            }
        }
        return CheckResult.permitUpgrade();
    }
}
