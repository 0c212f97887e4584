package io.chorus.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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
 * <li>drops the upgrade request's headers that the handshake itself does not read, now that every check has read
 * what it needs: websockets-next copies the headers into the connection's {@code handshakeRequest()} for the
 * connection's whole life, and nothing reads them there (Chorus takes only the query). A browser sends a dozen
 * (cookies, user agent, languages, origin), each a name and a value kept per connection. The handshake's own stay:
 * {@link #HANDSHAKE_HEADERS}.</li>
 * <li>lets go of the rest once the connection is open ({@link Session#releaseUpgrade}): Vert.x keeps its header map
 * for the connection's life, and websockets-next has already copied them.</li>
 * </ul>
 * Vert.x internals ({@code ConnectionBase}): should they change, connections simply have no outlet and Fanout writes
 * through Quarkus' {@code sendText}.
 */
@Singleton
@Priority(UpgradeOrder.CAPTURE)
public class ChannelCapture implements HttpUpgradeCheck {

    /** What Vert.x's and websockets-next's handshake read after the checks (lower case, as Vert.x compares). */
    static final Set<String> HANDSHAKE_HEADERS = Set.of("host", "connection", "upgrade", "sec-websocket-key",
            "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions");

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        Session session = WebSocketLink.at(context.userData());
        HttpConnection connection = context.httpRequest().connection();
        if (connection instanceof ConnectionBase base) {
            session.outlet(Fanout.outletOf(base.channel()));
            ChannelPipeline pipeline = base.channel().pipeline();
            IdleStateHandler idle = pipeline.get(IdleStateHandler.class);
            if (idle != null) {
                pipeline.remove(idle);
            }
        }
        MultiMap headers = context.httpRequest().headers();
        List<String> unread = new ArrayList<>();
        for (String name : headers.names()) {
            if (!HANDSHAKE_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                unread.add(name);
            }
        }
        unread.forEach(headers::remove);
        session.upgradeRelease(headers::clear);
        return CheckResult.permitUpgrade();
    }
}
