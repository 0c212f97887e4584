package io.chorus.api;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import io.chorus.ChorusConfig;
import io.chorus.hub.BackplaneTraffic;
import io.chorus.hub.LocalConnections;
import io.chorus.hub.RoomRegistry;

/** Up as long as the process serves requests; a lost backplane never makes a replica "dead". */
@Liveness
@Singleton
class ReplicaLiveness implements HealthCheck {

    private final LocalConnections connections;
    private final RoomRegistry rooms;
    private final BackplaneTraffic traffic;
    private final String replicaId;

    ReplicaLiveness(LocalConnections connections, RoomRegistry rooms, BackplaneTraffic traffic, ChorusConfig config) {
        this.connections = connections;
        this.rooms = rooms;
        this.traffic = traffic;
        this.replicaId = config.replicaId();
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("replica")
                .withData("replica", replicaId)
                .withData("connections", connections.count())
                .withData("rooms", rooms.localRoomCount())
                .withData("backplane-messages-received", traffic.receivedCount())
                .up().build();
    }
}
