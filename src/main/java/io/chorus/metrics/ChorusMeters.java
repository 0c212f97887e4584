package io.chorus.metrics;

import jakarta.inject.Singleton;

import io.chorus.backplane.Backplane;
import io.chorus.hub.BackplaneTraffic;
import io.chorus.hub.Fanout;
import io.chorus.hub.LocalConnections;
import io.chorus.hub.RoomRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * Chorus's own meters, next to the built-in HTTP, WebSocket, Redis and JVM ones at {@code /q/metrics}: what a
 * realtime server's operator watches. The delivery-latency histogram lives with what it measures
 * ({@link BackplaneTraffic}). Names are listed in README.md ("Metrics").
 */
@Startup
@Singleton
public class ChorusMeters {

    private final Counter broadcasts;
    private final Counter roomMessages;
    private final Counter directMessages;
    private final Counter rateLimited;

    ChorusMeters(MeterRegistry registry, LocalConnections connections, RoomRegistry rooms, Fanout fanout,
            BackplaneTraffic traffic, Backplane backplane) {
        Gauge.builder("chorus.connections", connections, LocalConnections::count)
                .description("Open client connections on this replica").register(registry);
        Gauge.builder("chorus.rooms", rooms, RoomRegistry::localRoomCount)
                .description("Rooms with a member on this replica (each is one backplane subscription)").register(registry);
        FunctionCounter.builder("chorus.messages.delivered", fanout, Fanout::writtenCount)
                .description("Frames handed to client connections").register(registry);
        FunctionCounter.builder("chorus.backplane.received", traffic, BackplaneTraffic::receivedCount)
                .description("Messages received from the backplane").register(registry);
        FunctionCounter.builder("chorus.backplane.reconnects", backplane, Backplane::reconnects)
                .description("Reconnections to Redis after the subscriber connection was lost").register(registry);
        FunctionCounter.builder("chorus.slow.consumer.disconnects", fanout, Fanout::slowConsumersClosedCount)
                .description("Connections closed with 4008 for not reading their frames").register(registry);
        this.broadcasts = published(registry, "broadcast");
        this.roomMessages = published(registry, "room");
        this.directMessages = published(registry, "direct");
        this.rateLimited = Counter.builder("chorus.rate.limited")
                .description("Messages refused because their connection sent faster than chorus.limits.publish-rate")
                .register(registry);
    }

    private static Counter published(MeterRegistry registry, String kind) {
        return Counter.builder("chorus.messages.published").tag("kind", kind)
                .description("Messages clients published through this replica").register(registry);
    }

    public void broadcastPublished() {
        broadcasts.increment();
    }

    public void roomMessagePublished() {
        roomMessages.increment();
    }

    public void directMessagePublished() {
        directMessages.increment();
    }

    public void rateLimited() {
        rateLimited.increment();
    }
}
