package io.chorus.pusher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The signatures against the worked examples of Pusher's documentation (key 278d…, secret 7ad3…, app 3). */
class PusherSignaturesTest {

    private static final PusherApp APP = new PusherApp("docs", "3", "278d425bdf160c739803", "7ad3773142a6692b25b8",
            false, false, null);
    private static final String BODY = "{\"name\":\"foo\",\"channels\":[\"project-3\"],\"data\":\"{\\\"some\\\":\\\"data\\\"}\"}";
    private static final long SIGNED_AT = 1353088179;
    private static final Duration WINDOW = Duration.ofSeconds(600);

    private static Map<String, List<String>> query(String signature) {
        Map<String, List<String>> query = new HashMap<>();
        query.put("auth_key", List.of("278d425bdf160c739803"));
        query.put("auth_timestamp", List.of(Long.toString(SIGNED_AT)));
        query.put("auth_version", List.of("1.0"));
        query.put("body_md5", List.of("ec365a775a4cd0599faeb73354201b6f"));
        query.put("auth_signature", List.of(signature));
        return query;
    }

    private static final String SIGNATURE = "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c";

    @Test
    void documentedChannelAuthorizationVerifies() {
        assertTrue(ChannelAuthorization.verifies(APP, "1234.1234", "private-foobar", null,
                "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"));
    }

    @Test
    void channelAuthorizationForAnotherSocketIsRefused() {
        assertFalse(ChannelAuthorization.verifies(APP, "1234.1235", "private-foobar", null,
                "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"));
    }

    @Test
    void channelAuthorizationWithAnotherKeyIsRefused() {
        assertFalse(ChannelAuthorization.verifies(APP, "1234.1234", "private-foobar", null,
                "other-key:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"));
    }

    @Test
    void documentedRequestVerifies() {
        assertNull(RequestSignature.refusal(APP, "POST", "/apps/3/events", query(SIGNATURE), BODY, SIGNED_AT, WINDOW));
    }

    @Test
    void requestWithAChangedBodyIsRefused() {
        assertEquals("body_md5 does not match the body", RequestSignature.refusal(APP, "POST", "/apps/3/events",
                query(SIGNATURE), BODY.replace("foo", "bar"), SIGNED_AT, WINDOW));
    }

    @Test
    void requestWithAWrongSignatureIsRefused() {
        assertEquals("Invalid signature", RequestSignature.refusal(APP, "POST", "/apps/3/events",
                query(SIGNATURE.replace('d', 'e')), BODY, SIGNED_AT, WINDOW));
    }

    @Test
    void requestForAnotherPathIsRefused() {
        assertEquals("Invalid signature", RequestSignature.refusal(APP, "POST", "/apps/4/events", query(SIGNATURE),
                BODY, SIGNED_AT, WINDOW));
    }

    @Test
    void requestOutsideTheTimestampWindowIsRefused() {
        assertTrue(RequestSignature.refusal(APP, "POST", "/apps/3/events", query(SIGNATURE), BODY,
                SIGNED_AT + 601, WINDOW).startsWith("Timestamp expired"));
        assertTrue(RequestSignature.refusal(APP, "POST", "/apps/3/events", query(SIGNATURE), BODY,
                SIGNED_AT - 601, WINDOW).startsWith("Timestamp expired"));
    }
}
