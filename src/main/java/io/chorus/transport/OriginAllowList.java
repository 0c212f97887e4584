package io.chorus.transport;

import java.util.List;
import java.util.Set;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.session.Endpoints;
import io.chorus.session.UpgradeOrder;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;

/**
 * Browser upgrades only from allowed origins ({@code chorus.allowed-origins}): a page on another site cannot open a
 * WebSocket to Chorus with its visitors' cookies (cross-site WebSocket hijacking). Refused with HTTP 403.
 */
@Singleton
@Priority(UpgradeOrder.ORIGIN)
class OriginAllowList implements HttpUpgradeCheck {

    private final Set<String> allowed;

    private final ChorusMeters meters;

    OriginAllowList(ChorusConfig config, ChorusMeters meters) {
        this.meters = meters;
        this.allowed = Set.copyOf(config.allowedOrigins().orElse(List.of("*")));
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        String origin = context.httpRequest().getHeader("Origin");
        if (origin == null || allowed.contains("*") || allowed.contains(origin)) {
            return CheckResult.permitUpgrade();
        }
        meters.refused(Refusal.ORIGIN);
        return CheckResult.rejectUpgrade(403);
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return Endpoints.isClient(endpointId);
    }
}
