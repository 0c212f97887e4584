package io.chorus.session;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.chorus.hub.Session;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Takes a {@code /ws} upgrade's place among the {@code chorus.limits.max-admitting} sessions a replica admits at once
 * ({@link Admissions}), or refuses it with 503 and {@code Retry-After}. It runs after every other check that can
 * refuse an upgrade, so a place is only taken by an upgrade that will go on, and the count is exact: no burst of
 * upgrades passes together above the bound. The place is given back when the session is welcomed or closes, and —
 * for the rare upgrade whose connection closes before it opens (the client went away during the handshake) — when its
 * connection closes: a hook on the channel's close, which also gives the place back at once when a client leaves
 * while its admission still waits on Redis.
 */
@Singleton
@Priority(UpgradeOrder.ADMISSION_PLACE)
public class AdmissionPlaces implements HttpUpgradeCheck {

    private final Admissions admissions;

    AdmissionPlaces(Admissions admissions) {
        this.admissions = admissions;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        Session session = WebSocketLink.at(context.userData());
        if (!admissions.take(session)) {
            return admissions.refuse();
        }
        if (context.httpRequest().connection() instanceof ConnectionBase base) {
            // kept for the connection's life: websockets-next runs @OnClose only after @OnOpen's admission completes,
            // which a stalled Redis holds up, so the TCP close is the first sign a client left (end is idempotent)
            ChannelFuture closed = base.channel().closeFuture();
            closed.addListener((ChannelFutureListener) future -> admissions.end(session));
        }
        return CheckResult.permitUpgrade();
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return Endpoints.NATIVE.equals(endpointId);
    }
}
