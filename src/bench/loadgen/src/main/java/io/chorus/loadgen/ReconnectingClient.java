package io.chorus.loadgen;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.LongUnaryOperator;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * One broadcast subscriber that reconnects the way the Chorus JavaScript client does ({@code src/main/js/chorus-client}):
 * it keeps its broadcast position (the last offset and epoch seen), asks to recover from it on every new connection
 * ({@code ?since=&epoch=}, docs/protocol.md "Recovery"), and waits before each attempt as {@link RetryDelay} says (full
 * jitter, on top of a refusal's {@code Retry-After}). Every broadcast it sees is checked into a {@link BroadcastLedger}:
 * first deliveries, duplicates, silent holes, and gaps the server declared.
 * <p>
 * It decides; its owner connects, counts and schedules (which replica, which timer). Its mutable state is touched on
 * its connection's event loop; {@link #ws()} and {@link #lastOffset()} may be read from other threads.
 */
final class ReconnectingClient {

    private static final byte[] RECOVERED_FALSE = "\"recovered\":false".getBytes(StandardCharsets.US_ASCII);

    private final BroadcastLedger ledger;
    private final boolean recoversOnlyWithEpoch;
    private volatile WebSocket ws;
    private volatile long lastOffset = -1;
    private String epoch = "";
    private int attempt;
    private long retryAfterSeconds;
    private boolean recovering;
    private boolean welcomed;

    /**
     * @param recoversOnlyWithEpoch true: ask to recover only once an epoch is known (the reconnect storm's rule);
     *        false: as soon as a welcome gave a position, even offset 0 of the empty epoch (the JavaScript client's)
     */
    ReconnectingClient(BroadcastLedger ledger, boolean recoversOnlyWithEpoch) {
        this.ledger = ledger;
        this.recoversOnlyWithEpoch = recoversOnlyWithEpoch;
    }

    // ---------------------------------------------------------------- connecting

    /**
     * The upgrade request for the next connection to {@code replica}: its path, {@code user} (none when null) and, with
     * a position to recover from, {@code since} and {@code epoch}. Decides whether this connection is recovering.
     */
    WebSocketConnectOptions connectTo(URI replica, String user) {
        recovering = lastOffset >= 0 && !(recoversOnlyWithEpoch && epoch.isEmpty());
        StringBuilder uri = new StringBuilder(replica.getRawPath());
        char separator = '?';
        if (user != null) {
            uri.append("?user=").append(user);
            separator = '&';
        }
        if (recovering) {
            uri.append(separator).append("since=").append(lastOffset).append("&epoch=").append(epoch);
        }
        return new WebSocketConnectOptions().setHost(replica.getHost()).setPort(replica.getPort()).setURI(uri.toString());
    }

    /** The connection is open (its welcome still to come); any earlier Retry-After is spent. */
    void opened(WebSocket connection) {
        ws = connection;
        welcomed = false;
        retryAfterSeconds = 0;
    }

    /**
     * The attempt failed: a refusal's {@code Retry-After} (HTTP 503, docs/protocol.md "Try again later") is kept for
     * the next delay; any other failure asks for none. Answers the refusal's status, or 0 when it was no refusal.
     */
    int failed(Throwable cause) {
        if (cause instanceof UpgradeRejectedException rejected) {
            retryAfterSeconds = RetryDelay.retryAfterSeconds(retryAfterOf(rejected));
            return rejected.getStatus();
        }
        retryAfterSeconds = 0;
        return 0;
    }

    /** The {@code Retry-After} header of a refused upgrade, or null. */
    static String retryAfterOf(UpgradeRejectedException rejected) {
        return rejected.getHeaders() == null ? null : rejected.getHeaders().get("Retry-After");
    }

    /** The connection closed: no longer welcomed. */
    void closed() {
        welcomed = false;
    }

    /** The next attempt starts the backoff over (a connection that was lost, not refused). */
    void restartBackoff() {
        attempt = 0;
    }

    /** How long to wait before the next attempt (at least 1 ms); each call is one attempt more. */
    long nextRetryMillis(LongUnaryOperator random) {
        return Math.max(1, RetryDelay.CLIENT.millis(attempt++, retryAfterSeconds, random));
    }

    // ---------------------------------------------------------------- receiving

    /**
     * A {@code welcome}: its position is where this client stands now. A recovery the server could not serve
     * ({@code recovered: false}) declares what was skipped as a gap. Answers false only for such a refused recovery.
     */
    boolean welcome(Buffer frame) {
        long position = FrameFields.offsetOf(frame);
        String welcomeEpoch = FrameFields.epochOf(frame);
        boolean recoveredAll = true;
        if (recovering && PayloadCodec.indexOf(frame, RECOVERED_FALSE, 0, frame.length()) >= 0) {
            recoveredAll = false;
            ledger.declaredGap(Math.max(0, position - lastOffset));
            lastOffset = position;
        } else if (!recovering) {
            lastOffset = Math.max(0, position);
        }
        if (welcomeEpoch != null && !welcomeEpoch.isEmpty()) {
            epoch = welcomeEpoch;
        }
        welcomed = true;
        attempt = 0;
        return recoveredAll;
    }

    /**
     * A broadcast {@code message} at {@code offset} (positive): answers true when it is new to this client and was
     * counted as received; a repeat is counted as a duplicate, offsets skipped before it as a silent hole.
     */
    boolean broadcast(Buffer frame, long offset) {
        if (epoch.isEmpty()) {
            String messageEpoch = FrameFields.epochOf(frame);
            if (messageEpoch != null) {
                epoch = messageEpoch;
            }
        }
        long last = lastOffset;
        if (offset <= last) {
            ledger.duplicate();
            return false;
        }
        if (last >= 0 && offset > last + 1) {
            ledger.hole(offset - last - 1);
        }
        lastOffset = offset;
        ledger.received(offset);
        return true;
    }

    /** A broadcast {@code gap} event: the offsets up to its position will not come, as the server declares. */
    void gap(Buffer frame) {
        long position = FrameFields.offsetOf(frame);
        ledger.declaredGap(Math.max(0, position - lastOffset));
        lastOffset = Math.max(lastOffset, position);
    }

    // ---------------------------------------------------------------- reading

    WebSocket ws() {
        return ws;
    }

    long lastOffset() {
        return lastOffset;
    }

    String epoch() {
        return epoch;
    }

    boolean welcomed() {
        return welcomed;
    }

    /** Welcomed on a connection that is still open. */
    boolean connected() {
        WebSocket current = ws;
        return welcomed && current != null && !current.isClosed();
    }
}
