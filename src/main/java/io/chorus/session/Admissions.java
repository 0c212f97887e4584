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
 * This check runs before authentication and only reads the count, so a storm's surplus is refused before any token
 * is verified. The place itself is taken after every other refusing check ({@link AdmissionPlaces}, {@link #take}),
 * which makes the bound exact: a session counts from then until it is welcomed or closed ({@link #end}), or until its
 * upgrade's connection closes without opening. Nothing is ever closed for being over this bound.
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
        return admitting.get() >= maxAdmitting ? refuse() : CheckResult.permitUpgrade();
    }

    /** The refusal of an upgrade while the replica admits its bound: 503, try again after {@code Retry-After}. */
    Uni<CheckResult> refuse() {
        meters.refused(Refusal.ADMISSIONS);
        return CheckResult.rejectUpgrade(503, RETRY_AFTER);
    }

    @Override
    public boolean appliesTo(String endpointId) {
        return Endpoints.NATIVE.equals(endpointId);
    }

    /**
     * Takes a place for the session if one is free; false when {@code max-admitting} sessions are being admitted.
     * The session then counts until {@link #end}.
     */
    boolean take(Session session) {
        if (!session.admitting()) {
            return true; // already counted
        }
        for (int now = admitting.get(); now < maxAdmitting; now = admitting.get()) {
            if (admitting.compareAndSet(now, now + 1)) {
                return true;
            }
        }
        session.admitted();
        return false;
    }

    /**
     * A {@code /ws} session opened: it is being admitted until {@link #end}. It normally holds its place since its
     * upgrade ({@link #take}); one that came without is counted from here.
     */
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
