package io.chorus.transport;

import java.util.Base64;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.session.UpgradeOrder;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpVersion;

/**
 * Refuses, with HTTP 400, an opening handshake that RFC 6455 §4.2.1 does not allow and Vert.x lets through: one that
 * is not HTTP/1.1, or whose {@code Sec-WebSocket-Key} is not the base64 encoding of 16 bytes. Runs first.
 */
@Singleton
@Priority(UpgradeOrder.HANDSHAKE)
class HandshakeValidation implements HttpUpgradeCheck {

    private static final int KEY_BYTES = 16;

    private final ChorusMeters meters;

    HandshakeValidation(ChorusMeters meters) {
        this.meters = meters;
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        if (context.httpRequest().version() != HttpVersion.HTTP_1_1
                || !isValidKey(context.httpRequest().getHeader("Sec-WebSocket-Key"))) {
            meters.refused(Refusal.BAD_FRAME);
            return CheckResult.rejectUpgrade(400);
        }
        return CheckResult.permitUpgrade();
    }

    /** §4.1: a base64-encoded (§4 of RFC 4648) value that, when decoded, is 16 bytes in length. */
    static boolean isValidKey(String key) {
        if (key == null || key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == KEY_BYTES;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
