package io.chorus.loadgen;

import java.util.function.LongUnaryOperator;

/**
 * When a client that lost its connection tries again, the way the Chorus JavaScript client does
 * ({@code src/main/js/chorus-client}, {@code backoffDelay}): "full jitter", a uniformly random delay in
 * {@code [0, min(max, initial × 2^attempt))}, so a crowd that failed together does not come back together. A refusal
 * that said when to come back ({@code Retry-After}, docs/protocol.md "Try again later") is honoured: the jittered
 * delay comes on top of it, never earlier.
 */
record RetryDelay(long initialMillis, long maxMillis) {

    /** The JavaScript client's defaults. */
    static final RetryDelay CLIENT = new RetryDelay(500, 10_000);

    /**
     * The delay before attempt {@code attempt} (0 for the first retry), after a refusal that asked for
     * {@code retryAfterSeconds} (0: none); {@code random} answers a value in {@code [0, bound)} for a bound.
     */
    long millis(int attempt, long retryAfterSeconds, LongUnaryOperator random) {
        long ceiling = Math.min(maxMillis, initialMillis << Math.min(Math.max(0, attempt), 20));
        long jitter = ceiling <= 0 ? 0 : Math.max(0, Math.min(ceiling - 1, random.applyAsLong(ceiling)));
        return Math.max(0, retryAfterSeconds) * 1000 + jitter;
    }

    /** A {@code Retry-After} header's value in seconds (the delta-seconds form); 0 when absent or not a number. */
    static long retryAfterSeconds(String header) {
        if (header == null) {
            return 0;
        }
        try {
            return Math.max(0, Math.min(3600, Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            return 0; // an HTTP date: not sent by Chorus; treated as no advice
        }
    }
}
