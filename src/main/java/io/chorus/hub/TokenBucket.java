package io.chorus.hub;

/**
 * A token bucket: {@code perSecond} tokens a second on average, at most {@code burst} at once; it starts full. Taking
 * from an empty bucket fails. Thread-safe.
 */
public final class TokenBucket {

    private final double perNano;
    private final double burst;
    private double tokens;
    private long refilledAt;

    public TokenBucket(double perSecond, double burst) {
        this.perNano = perSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.refilledAt = System.nanoTime();
    }

    /** Takes one token; false when there is none. */
    public boolean tryTake() {
        return tryTake(1);
    }

    /** Takes {@code cost} tokens; false (taking none) when there are fewer. */
    public synchronized boolean tryTake(double cost) {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
        refilledAt = now;
        if (tokens < cost) {
            return false;
        }
        tokens -= cost;
        return true;
    }
}
