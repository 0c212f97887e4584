package io.chorus.transport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.auth.TokenAuthentication;
import io.chorus.auth.UserIdentity;
import io.chorus.protocol.CloseCodes;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/**
 * Refuses an upgrade when this replica already holds {@code chorus.limits.max-connections} connections (503: the
 * client should try another replica) or the user already holds {@code chorus.limits.max-connections-per-user} here
 * (429). Thousands of connections from one client stop at the door.
 */
@Singleton
@Priority(UpgradeOrder.LIMITS)
class ConnectionLimits implements HttpUpgradeCheck {

    private final AtomicInteger open = new AtomicInteger();
    private final int maxConnections;
    private final int maxPerUser;
    private final Map<String, AtomicInteger> perUser = new ConcurrentHashMap<>();
    private static final TypedKey<String> COUNTED_AS = TypedKey.forString("chorus.counted-as");

    private final ChorusMeters meters;

    ConnectionLimits(ChorusConfig config, ChorusMeters meters) {
        this.meters = meters;
        this.maxConnections = config.limits().maxConnections();
        this.maxPerUser = config.limits().maxConnectionsPerUser();
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        if (open.get() >= maxConnections) {
            meters.refused(Refusal.CONNECTIONS_PER_REPLICA);
            return CheckResult.rejectUpgrade(503);
        }
        String user = context.userData().get(TokenAuthentication.USER); // when its check ran first
        if (user == null) {
            user = UserIdentity.queryParameter(context.httpRequest().query(), "user");
        }
        if (user != null && !user.isEmpty()) {
            AtomicInteger held = perUser.get(user);
            if (held != null && held.get() >= maxPerUser) {
                meters.refused(Refusal.CONNECTIONS_PER_USER);
                return CheckResult.rejectUpgrade(429);
            }
        }
        return CheckResult.permitUpgrade();
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return ChatSocket.ENDPOINT_ID.equals(endpointId);
    }

    /**
     * Counts an opened connection of a user (before its welcome: the next upgrade sees it). The upgrade checks are a
     * fast path that concurrent upgrades can slip past together, and a user known only from an {@code auth} frame
     * was not checked at all: this is where both limits hold. Answers the close reason when a limit is reached (the
     * connection is then not counted), or null.
     */
    CloseReason opened(WebSocketConnection connection, String user) {
        String counted = connection.userData().get(COUNTED_AS);
        if (counted != null && !counted.isEmpty()) {
            return null;
        }
        if (counted == null && open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            meters.refused(Refusal.CONNECTIONS_PER_REPLICA);
            return CloseCodes.REPLICA_FULL;
        }
        boolean[] admitted = {false};
        perUser.compute(user, (u, held) -> {
            AtomicInteger count = held != null ? held : new AtomicInteger();
            admitted[0] = count.get() < maxPerUser;
            if (admitted[0]) {
                count.incrementAndGet();
            }
            return count.get() == 0 ? null : count;
        });
        if (!admitted[0]) {
            if (counted == null) {
                open.decrementAndGet();
            } // else it stays counted as awaiting its auth frame until it is closed
            meters.refused(Refusal.CONNECTIONS_PER_USER);
            return CloseCodes.TOO_MANY_CONNECTIONS;
        }
        connection.userData().put(COUNTED_AS, user);
        return null;
    }

    /**
     * Counts an opened connection whose user is not known yet (it is to send an {@code auth} frame) against the
     * replica's limit: a crowd of connections that never authenticate holds no more than the limit allows. Answers
     * the close reason when the replica is full, or null; {@link #opened} later counts its user.
     */
    CloseReason awaiting(WebSocketConnection connection) {
        if (connection.userData().get(COUNTED_AS) != null) {
            return null;
        }
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            meters.refused(Refusal.CONNECTIONS_PER_REPLICA);
            return CloseCodes.REPLICA_FULL;
        }
        connection.userData().put(COUNTED_AS, "");
        return null;
    }

    /** Uncounts a closed connection; safe to call more than once. */
    void closed(WebSocketConnection connection) {
        String user = connection.userData().remove(COUNTED_AS);
        if (user != null) {
            open.decrementAndGet();
            if (!user.isEmpty()) {
                perUser.computeIfPresent(user, (u, held) -> held.decrementAndGet() <= 0 ? null : held);
            }
        }
    }
}
