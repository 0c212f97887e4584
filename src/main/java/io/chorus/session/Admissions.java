package io.chorus.session;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.hub.Session;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;

/**
 * {@code chorus.limits.max-admitting}: how many {@code /ws} sessions a replica admits at once, from their opening
 * (the upgrade accepted) until their welcome and the broadcasts they recovered are written, the time an admission
 * holds Redis work (its user's channel, its presence, its recovery read) in flight. Above it, an upgrade is refused
 * before it completes with 503 and {@code Retry-After} (docs/protocol.md, "Try again later"): a reconnect storm — the
 * clients of a lost replica landing on this one — is admitted at the pace the replica and Redis keep up with, instead
 * of piling up in the Redis client's pool until its wait queue overflows and fails the connections it holds.
 * <p>
 * As with {@link ConnectionLimits}, the upgrade check is a fast path: a session is counted when it opens
 * ({@link #begin}) and until it is welcomed or closed ({@link #end}), so the only upgrades that can pass the check
 * together above the bound are the few between their check and their opening. A session admitted above it is served
 * like any other: nothing is ever closed for being over this bound.
 */
@Singleton
@Priority(UpgradeOrder.ADMISSION)
public class Admissions implements HttpUpgradeCheck {

    /** The {@code Retry-After} of a refused upgrade, in seconds (HTTP allows whole seconds only). */
    public static final int RETRY_AFTER_SECONDS = 1;
    private static final Map<String, List<String>> RETRY_AFTER = Map.of("Retry-After",
            List.of(Integer.toString(RETRY_AFTER_SECONDS)));

    private final AtomicInteger admitting = new AtomicInteger();
    private final int maxAdmitting;
    private final ChorusMeters meters;

    Admissions(ChorusConfig config, ChorusMeters meters) {
        this.maxAdmitting = config.limits().maxAdmitting();
        this.meters = meters;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        if (admitting.get() >= maxAdmitting) {
            meters.refused(Refusal.ADMISSIONS);
            return CheckResult.rejectUpgrade(503, RETRY_AFTER);
        }
        return CheckResult.permitUpgrade();
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return Endpoints.NATIVE.equals(endpointId);
    }

    /** A {@code /ws} session opened: it is being admitted until {@link #end}. */
    public void begin(Session session) {
        if (session.admitting()) {
            admitting.incrementAndGet();
        }
    }

    /** The session was welcomed (and its recovery written), or it closed first; safe to call more than once. */
    public void end(Session session) {
        if (session.admitted()) {
            admitting.decrementAndGet();
        }
    }

    /** Sessions being admitted now. */
    public int admitting() {
        return admitting.get();
    }
}
