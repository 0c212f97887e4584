package io.chorus.api;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.chorus.ChorusConfig;
import io.chorus.backplane.Backplane;
import io.chorus.backplane.Subscription;
import io.chorus.hub.BroadcastSubscriber;

/**
 * Ready while the broadcast subscription is live: a replica whose subscription is down would accept clients that
 * miss other replicas' messages, so the load balancer should send new clients elsewhere. Liveness is not affected.
 */
@Readiness
@Singleton
class BackplaneReadiness implements HealthCheck {

    private final Backplane backplane;
    private final BroadcastSubscriber subscriber;
    private final String replicaId;

    BackplaneReadiness(Backplane backplane, BroadcastSubscriber subscriber, ChorusConfig config) {
        this.backplane = backplane;
        this.subscriber = subscriber;
        this.replicaId = config.replicaId();
    }

    @Override
    public HealthCheckResponse call() {
        Subscription subscription = subscriber.subscription();
        var response = HealthCheckResponse.named("backplane")
                .withData("replica", replicaId)
                .withData("backplane", backplane.description());
        return subscription.isLive() ? response.up().build()
                : response.down().withData("reason", subscription.downReason()).build();
    }
}
