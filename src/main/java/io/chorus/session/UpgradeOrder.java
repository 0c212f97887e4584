package io.chorus.session;

/**
 * The order the upgrade checks run in ({@code @Priority}; higher first, the first refusal ends the upgrade): the
 * cheap, stateless refusals first, the pipeline changes last, once every check has passed, so that a refused upgrade
 * leaves its connection as an ordinary HTTP connection (closed after the refusal: {@code transport.RefusedUpgrades}).
 */
public final class UpgradeOrder {

    /** {@code transport.HandshakeValidation}: HTTP/1.1 and a well-formed {@code Sec-WebSocket-Key}, else 400. */
    public static final int HANDSHAKE = 500;
    /** {@code transport.RefuseWhileDraining}: 503. */
    public static final int DRAINING = 400;
    /** {@code transport.OriginAllowList}: 403. */
    public static final int ORIGIN = 300;
    /**
     * {@link Admissions}: 503 with {@code Retry-After} while {@code chorus.limits.max-admitting} sessions are being
     * admitted; before authentication, so a storm's surplus costs no token verification. A fast path: the place
     * itself is taken by {@link #ADMISSION_PLACE}.
     */
    public static final int ADMISSION = 250;
    /** {@link TokenAuthentication}: 401. */
    public static final int AUTHENTICATION = 200;
    /** {@link ConnectionLimits}: 503 or 429 (after authentication: it counts per user). */
    public static final int LIMITS = 100;
    /**
     * {@link AdmissionPlaces}: takes the upgrade's place among {@code chorus.limits.max-admitting}, exactly (503 with
     * {@code Retry-After} when there is none); the last refusal, so that no later check can leave a place taken.
     */
    public static final int ADMISSION_PLACE = 50;
    /**
     * {@code transport.ChannelCapture}: hands the channel to delivery, removes the HTTP idle handler, and empties the
     * upgrade's headers as the 101 leaves.
     */
    public static final int CAPTURE = 20;
    /** {@code transport.StrictFramePipeline}: adds the frame guard (it takes the outlet ChannelCapture made). */
    public static final int PIPELINE = 10;

    private UpgradeOrder() {
    }
}
