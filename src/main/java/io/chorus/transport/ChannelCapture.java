package io.chorus.transport;

import jakarta.inject.Singleton;

import io.chorus.hub.Fanout;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Hands each upgrading connection's Netty channel to {@link Fanout} (in the connection's user data), so delivery can
 * write shared bytes straight to it on its own event loop. Vert.x internals ({@code ConnectionBase}): should they
 * change, connections simply have no channel and Fanout writes through Quarkus' {@code sendText}.
 */
@Singleton
class ChannelCapture implements HttpUpgradeCheck {

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        HttpConnection connection = context.httpRequest().connection();
        if (connection instanceof ConnectionBase base) {
            context.userData().put(Fanout.CHANNEL, base.channel());
        }
        return CheckResult.permitUpgrade();
    }
}
