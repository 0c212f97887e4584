package io.chorus.transport;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.chorus.hub.Fanout;
import io.chorus.hub.Session;
import io.chorus.session.UpgradeOrder;
import io.chorus.session.WebSocketLink;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Readies an upgrading connection's Netty pipeline for delivery:
 * <ul>
 * <li>hands its channel to {@link Fanout} (an outlet in the connection's {@link Session}), so delivery writes shared bytes
 * straight into it on its own event loop;</li>
 * <li>removes the HTTP server's idle-timeout handler: a WebSocket's liveness is the server's pings and
 * {@link io.chorus.hub.IdleConnections} (4002), and the handler cost every connection a scheduled task and every
 * write a listener.</li>
 * <li>empties the upgrade request's headers as the handshake's response leaves ({@link UpgradeHeadersRelease}), once
 * every check and the handshake itself have read them: websockets-next copies what is left into the connection's
 * {@code handshakeRequest()} for the connection's whole life, and nothing reads them there (Chorus takes only the
 * query). A browser sends a dozen (cookies, user agent, languages, origin) and the handshake's own five always come:
 * each a name, a value and a list kept per connection.</li>
 * </ul>
 * Vert.x internals ({@code ConnectionBase}): should they change, connections simply have no outlet and Fanout writes
 * through Quarkus' {@code sendText}.
 */
@Singleton
@Priority(UpgradeOrder.CAPTURE)
public class ChannelCapture implements HttpUpgradeCheck {

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        Session session = WebSocketLink.at(context.userData());
        HttpConnection connection = context.httpRequest().connection();
        MultiMap headers = context.httpRequest().headers();
        if (connection instanceof ConnectionBase base) {
            session.outlet(Fanout.outletOf(base.channel()));
            ChannelPipeline pipeline = base.channel().pipeline();
            IdleStateHandler idle = pipeline.get(IdleStateHandler.class);
            if (idle != null) {
                pipeline.remove(idle);
            }
            UpgradeHeadersRelease.install(pipeline, headers);
        }
        session.upgradeRelease(headers::clear); // Vert.x keeps the map: emptied once open even if no release sat above
        return CheckResult.permitUpgrade();
    }
}
