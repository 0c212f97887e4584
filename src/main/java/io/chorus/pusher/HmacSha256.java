package io.chorus.pusher;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The HMAC-SHA256 signatures of the Pusher protocol, as lower-case hex, compared in constant time. */
final class HmacSha256 {

    private HmacSha256() {
    }

    static String hex(String secret, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Whether {@code given} is the signature of {@code data}; takes as long whatever prefix of it is right. */
    static boolean verifies(String secret, String data, String given) {
        if (given == null) {
            return false;
        }
        byte[] expected = hex(secret, data).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }
}
