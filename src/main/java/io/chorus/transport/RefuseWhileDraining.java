package io.chorus.transport;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.chorus.hub.Draining;
import io.chorus.session.Endpoints;
import io.chorus.session.UpgradeOrder;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;

/** A draining replica refuses new upgrades with 503, so clients go to a replica that stays. */
@Singleton
@Priority(UpgradeOrder.DRAINING)
class RefuseWhileDraining implements HttpUpgradeCheck {

    private final Draining draining;

    RefuseWhileDraining(Draining draining) {
        this.draining = draining;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        return draining.isDraining() ? CheckResult.rejectUpgrade(503) : CheckResult.permitUpgrade();
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return Endpoints.isClient(endpointId);
    }
}
