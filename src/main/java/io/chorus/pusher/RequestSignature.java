package io.chorus.pusher;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pusher's HTTP API request signing: the query carries {@code auth_key}, {@code auth_timestamp} (seconds),
 * {@code auth_version=1.0}, {@code body_md5} (hex MD5 of a non-empty body) and {@code auth_signature}, the hex
 * HMAC-SHA256, with the app's secret, of {@code METHOD\nPATH\nQUERY}, where QUERY is every other parameter as
 * {@code key=value}, keys lower-cased and sorted, joined with {@code &}.
 */
final class RequestSignature {

    private RequestSignature() {
    }

    /** Why the request is refused, or null when it is properly signed, fresh, and its body is the one signed. */
    static String refusal(PusherApp app, String method, String path, Map<String, List<String>> query, String body,
            long nowSeconds, Duration window) {
        String key = first(query, "auth_key");
        String timestamp = first(query, "auth_timestamp");
        String signature = first(query, "auth_signature");
        if (key == null || timestamp == null || signature == null) {
            return "Missing auth_key, auth_timestamp or auth_signature";
        }
        if (!key.equals(app.key())) {
            return "Unknown auth_key";
        }
        String version = first(query, "auth_version");
        if (version != null && !version.equals("1.0")) {
            return "Unsupported auth_version " + version;
        }
        long at;
        try {
            at = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return "Invalid auth_timestamp";
        }
        if (Math.abs(nowSeconds - at) > window.toSeconds()) {
            return "Timestamp expired: auth_timestamp is more than " + window.toSeconds() + " s from the server's time";
        }
        if (body != null && !body.isEmpty()) {
            String md5 = first(query, "body_md5");
            if (md5 == null || !MessageDigest.isEqual(md5(body).getBytes(StandardCharsets.US_ASCII),
                    md5.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
                return "body_md5 does not match the body";
            }
        }
        Map<String, String> signed = new TreeMap<>();
        query.forEach((name, values) -> {
            if (!name.equals("auth_signature") && !values.isEmpty()) {
                signed.put(name.toLowerCase(Locale.ROOT), values.get(0));
            }
        });
        StringBuilder text = new StringBuilder(method.toUpperCase(Locale.ROOT)).append('\n').append(path).append('\n');
        String separator = "";
        for (var entry : signed.entrySet()) {
            text.append(separator).append(entry.getKey()).append('=').append(entry.getValue());
            separator = "&";
        }
        return HmacSha256.verifies(app.secret(), text.toString(), signature) ? null : "Invalid signature";
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    static String md5(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available", e);
        }
    }
}
