package io.chorus.api;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import io.chorus.ChorusConfig;
import io.chorus.hub.LocalConnections;

/** Up as long as the process serves requests; a lost backplane never makes a replica "dead". */
@Liveness
@Singleton
class ReplicaLiveness implements HealthCheck {

    private final LocalConnections connections;
    private final String replicaId;

    ReplicaLiveness(LocalConnections connections, ChorusConfig config) {
        this.connections = connections;
        this.replicaId = config.replicaId();
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("replica")
                .withData("replica", replicaId)
                .withData("connections", connections.count())
                .up().build();
    }
}
