package io.chorus.metrics;

import java.util.EnumMap;
import java.util.Map;

import jakarta.inject.Singleton;

import io.chorus.backplane.Backplane;
import io.chorus.hub.BackplaneTraffic;
import io.chorus.hub.Fanout;
import io.chorus.hub.IdleConnections;
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
    private final Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);

    /** Why a client was refused, or cut off, by a limit or a check: the {@code reason} tag of {@code chorus.refused}. */
    public enum Refusal {
        /** A message over {@code chorus.limits.max-message-bytes} (1009). */
        MESSAGE_TOO_BIG("message-too-big"),
        /** A frame the WebSocket decoder refused: bad UTF-8 (1007), protocol error (1002), oversized frame (1009). */
        BAD_FRAME("bad-frame"),
        /** One more room than {@code chorus.limits.max-rooms-per-connection} ({@code too_many_rooms}). */
        ROOMS_PER_CONNECTION("rooms-per-connection"),
        /** The replica was full (503 / 1013). */
        CONNECTIONS_PER_REPLICA("connections-per-replica"),
        /** An upgrade while {@code chorus.limits.max-admitting} sessions were being admitted (503, Retry-After). */
        ADMISSIONS("admissions"),
        /** The user held its most connections here (429 / 4029). */
        CONNECTIONS_PER_USER("connections-per-user"),
        /** A browser upgrade from an origin not allowed (403). */
        ORIGIN("origin"),
        /** A token refused at the upgrade (401) or in the {@code auth} frame (4003), or no token in time (4003). */
        AUTHENTICATION("authentication"),
        /** A command the token's permissions do not allow ({@code forbidden}). */
        FORBIDDEN("forbidden");

        private final String tag;

        Refusal(String tag) {
            this.tag = tag;
        }
    }

    ChorusMeters(MeterRegistry registry, LocalConnections connections, RoomRegistry rooms, Fanout fanout,
            BackplaneTraffic traffic, Backplane backplane, IdleConnections idle) {
        Gauge.builder("chorus.connections", connections, LocalConnections::count)
                .description("Open client connections on this replica").register(registry);
        Gauge.builder("chorus.rooms", rooms, RoomRegistry::localRoomCount)
                .description("Rooms with a member on this replica (each is one backplane subscription)").register(registry);
        FunctionCounter.builder("chorus.messages.delivered", fanout, Fanout::writtenCount)
                .description("Frames handed to client connections").register(registry);
        FunctionCounter.builder("chorus.messages.flushes", fanout, Fanout::flushedCount)
                .description("Socket flushes of those frames: fewer than frames when writes to a connection were coalesced")
                .register(registry);
        FunctionCounter.builder("chorus.backplane.received", traffic, BackplaneTraffic::receivedCount)
                .description("Messages received from the backplane").register(registry);
        FunctionCounter.builder("chorus.backplane.rejected", traffic, BackplaneTraffic::rejectedCount)
                .description("Messages on the backplane this replica could not read (another envelope version, or none) and dropped")
                .register(registry);
        FunctionCounter.builder("chorus.backplane.reconnects", backplane, Backplane::reconnects)
                .description("Reconnections to Redis after the subscriber connection was lost").register(registry);
        FunctionCounter.builder("chorus.slow.consumer.disconnects", fanout, Fanout::slowConsumersClosedCount)
                .description("Connections closed with 4008 for not reading their frames").register(registry);
        this.broadcasts = published(registry, "broadcast");
        this.roomMessages = published(registry, "room");
        this.directMessages = published(registry, "direct");
        for (Refusal reason : Refusal.values()) {
            refusals.put(reason, Counter.builder("chorus.refused").tag("reason", reason.tag)
                    .description("Clients refused or cut off by a limit or check, by reason").register(registry));
        }
        FunctionCounter.builder("chorus.idle.disconnects", idle, IdleConnections::closedCount)
                .description("Connections closed with 4002: nothing arrived for chorus.limits.idle-timeout").register(registry);
        this.rateLimited = Counter.builder("chorus.rate.limited")
                .description("Commands refused because their connection's command budget (chorus.limits.publish-rate) could not pay for them")
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

    public void refused(Refusal reason) {
        refusals.get(reason).increment();
    }
}
