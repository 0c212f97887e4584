package io.chorus.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.auth.UserIdentity;
import io.chorus.hub.Session;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.protocol.CloseCode;
import io.chorus.protocol.CloseCodes;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;

/**
 * {@code chorus.limits.max-connections} for both endpoints together, and {@code chorus.limits.max-connections-per-user}
 * for {@code /ws}. A session is counted when it opens ({@link #count}), atomically with the check, so a replica never
 * holds more; its user is counted when it is admitted ({@link #countUser}). As an upgrade check of {@code /ws} it is
 * the fast path: an upgrade to a full replica gets 503 (the client should try another replica), one of a user who
 * holds the most connections already gets 429, before any WebSocket exists. Thousands of connections from one client
 * stop at the door.
 */
@Singleton
@Priority(UpgradeOrder.LIMITS)
public class ConnectionLimits implements HttpUpgradeCheck {

    private final AtomicInteger open = new AtomicInteger();
    private final int maxConnections;
    private final int maxPerUser;
    private final Map<String, AtomicInteger> perUser = new ConcurrentHashMap<>();

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
        String user = WebSocketLink.at(context.userData()).tokenUser(); // when its check ran first
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
        return Endpoints.NATIVE.equals(endpointId);
    }

    /**
     * Counts an opened session against the replica's limit, whichever its endpoint, atomically: false (it is not
     * counted) when the replica already holds {@code chorus.limits.max-connections}. Counting again is a no-op.
     */
    public boolean count(Session session) {
        if (session.counted()) {
            return true;
        }
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            meters.refused(Refusal.CONNECTIONS_PER_REPLICA);
            return false;
        }
        session.counted(true);
        return true;
    }

    /**
     * Counts an admitted {@code /ws} session's user (before its welcome: the next upgrade sees it). The upgrade check
     * is a fast path that concurrent upgrades can slip past together, and a user known only from an {@code auth}
     * frame was not checked at all: this is where both limits hold. Answers the close reason when a limit is reached,
     * or null.
     */
    public CloseCode countUser(Session session, String user) {
        if (session.countedAs() != null) {
            return null;
        }
        if (!count(session)) {
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
            meters.refused(Refusal.CONNECTIONS_PER_USER);
            return CloseCodes.TOO_MANY_CONNECTIONS; // it stays counted against the replica until it is closed
        }
        session.countedAs(user);
        return null;
    }

    /** Uncounts a closed session; safe to call more than once (on its event loop). */
    public void uncount(Session session) {
        String user = session.countedAs();
        session.countedAs(null);
        if (user != null) {
            perUser.computeIfPresent(user, (u, held) -> held.decrementAndGet() <= 0 ? null : held);
        }
        if (session.counted()) {
            session.counted(false);
            open.decrementAndGet();
        }
    }

    /** Sessions counted against {@code chorus.limits.max-connections} now. */
    public int open() {
        return open.get();
    }
}
