package io.chorus.pusher;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;

/**
 * The optional replay guard of the HTTP API ({@code chorus.pusher.replay-guard}): remembers the signatures of signed
 * requests that change something ({@code POST}) while their {@code auth_timestamp} is inside the timestamp window, so
 * an exact replay is refused; after the window the timestamp check refuses it anyway. Bounded: at most
 * {@code chorus.pusher.replay-cache-size} signatures, the oldest forgotten first. Per replica: a replay sent to
 * another replica is not recognised (see README, "Production checklist").
 */
@Singleton
class SignatureReplays {

    private final boolean enabled;
    private final int capacity;
    private final long windowSeconds;
    /** Signature → the second after which its timestamp is out of the window; in the order they were first seen. */
    private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

    SignatureReplays(ChorusConfig config) {
        this.enabled = config.pusher().replayGuard();
        this.capacity = Math.max(1, config.pusher().replayCacheSize());
        this.windowSeconds = config.pusher().timestampWindow().toSeconds();
    }

    /** Whether this is the first use of a valid signature (always true with the guard off). */
    synchronized boolean firstUse(String signature, long timestampSeconds, long nowSeconds) {
        if (!enabled) {
            return true;
        }
        for (Iterator<Map.Entry<String, Long>> oldest = seen.entrySet().iterator(); oldest.hasNext();) {
            Map.Entry<String, Long> entry = oldest.next();
            if (entry.getValue() >= nowSeconds && seen.size() < capacity) {
                break;
            }
            oldest.remove();
        }
        // signatures are compared case-insensitively, so an upper-cased copy is the same signature
        return seen.putIfAbsent(signature.toLowerCase(Locale.ROOT), timestampSeconds + windowSeconds) == null;
    }
}
