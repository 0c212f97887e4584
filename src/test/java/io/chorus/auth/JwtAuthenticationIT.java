package io.chorus.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;
import io.smallrye.jwt.build.Jwt;

/**
 * A replica in the prod profile (no anonymous mode) verifying RS256 tokens, in the URL or in a first {@code auth}
 * frame: only valid tokens connect, the token's sub is the user, an expired token closes the connection with 4001
 * unless refreshed over the socket.
 */
class JwtAuthenticationIT {

    private static final String ISSUER = "https://auth.chorus.test";

    static KeyPair keys;
    static KeyPair otherKeys;
    static ReplicaProcess replica;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
        otherKeys = generator.generateKeyPair();
        String publicKey = Base64.getEncoder().encodeToString(keys.getPublic().getEncoded());
        replica = ReplicaProcess.start("secured", null, "chorus.auth.anonymous=false",
                "mp.jwt.verify.publickey=" + publicKey, "mp.jwt.verify.issuer=" + ISSUER,
                "chorus.auth.handshake-timeout=2s");
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
    }

    private static String token(String sub, Instant expires) {
        return Jwt.issuer(ISSUER).subject(sub).expiresAt(expires).sign(keys.getPrivate());
    }

    private static URI withToken(String token) {
        return URI.create(replica.baseUri().toString().replaceFirst("^http", "ws") + "ws?token=" + token);
    }

    @Test
    void logSaysTokensAreRequired() {
        assertTrue(replica.log().contains("Authentication: JWT required"), replica.log());
    }

    @Test
    void validTokenConnectsAndItsSubIsTheUser() {
        try (TestClient client = TestClient.connectRaw(withToken(token("alice", Instant.now().plusSeconds(300))))) {
            JsonNode welcome = client.next("welcome");
            assertEquals("alice", welcome.get("user").asText());
            client.publish("\"signed\"", "s");
            assertEquals("alice", client.next("message").get("from").asText());
        }
    }

    @Test
    void forgedExpiredWrongIssuerAlgNoneAndEmptyTokensAreRefusedWith401() {
        assertEquals(401, TestClient.upgradeStatus(withToken(""), null));
        String forged = Jwt.issuer(ISSUER).subject("mallory").expiresAt(Instant.now().plusSeconds(300))
                .sign(otherKeys.getPrivate());
        assertEquals(401, TestClient.upgradeStatus(withToken(forged), null));
        assertEquals(401, TestClient.upgradeStatus(withToken(token("mallory", Instant.now().minusSeconds(600))), null));
        String wrongIssuer = Jwt.issuer("https://elsewhere").subject("mallory")
                .expiresAt(Instant.now().plusSeconds(300)).sign(keys.getPrivate());
        assertEquals(401, TestClient.upgradeStatus(withToken(wrongIssuer), null));
        assertEquals(401, TestClient.upgradeStatus(withToken(algNone("mallory")), null));
        String signedPayloadTampered = retarget(token("alice", Instant.now().plusSeconds(300)), "mallory");
        assertEquals(401, TestClient.upgradeStatus(withToken(signedPayloadTampered), null));
    }

    @Test
    void tokenInTheFirstFrameAuthenticatesTheConnection() {
        try (TestClient client = TestClient.connectRaw(withoutToken("?user=mallory"))) {
            client.send(auth(token("carol", Instant.now().plusSeconds(300))));
            assertEquals("carol", client.next("welcome").get("user").asText(), "the token's sub, not ?user=");
        }
    }

    @Test
    void framesSentRightAfterTheAuthFrameAreHandledOnceTheConnectionIsAdmitted() {
        try (TestClient client = TestClient.connectRaw(withoutToken(""))) {
            client.send(auth(token("eager", Instant.now().plusSeconds(300))));
            client.publish("\"pipelined\"", "p1");
            assertEquals("welcome", client.next().get("type").asText(), "nothing comes before the welcome");
            Set<String> seen = new HashSet<>();
            while (!seen.containsAll(Set.of("ack", "message"))) {
                seen.add(client.next().get("type").asText()); // the ack and the message, in either order
            }
        }
    }

    @Test
    void connectionWithoutATokenThatSendsNoAuthFrameIsClosedWith4003() {
        try (TestClient client = TestClient.connectRaw(withoutToken(""))) {
            assertEquals(4003, client.awaitCloseCode());
        }
    }

    @Test
    void anyOtherFirstFrameClosesWith4003() {
        try (TestClient client = TestClient.connectRaw(withoutToken(""))) {
            client.publish("\"sneaky\"", "s");
            assertEquals(4003, client.awaitCloseCode());
        }
        try (TestClient client = TestClient.connectRaw(withoutToken(""))) {
            client.send("{not json");
            assertEquals(4003, client.awaitCloseCode());
        }
    }

    @Test
    void forgedOrAlgNoneTokenInTheFirstFrameClosesWith4003() {
        String forged = Jwt.issuer(ISSUER).subject("mallory").expiresAt(Instant.now().plusSeconds(300))
                .sign(otherKeys.getPrivate());
        for (String bad : List.of(forged, algNone("mallory"), token("mallory", Instant.now().minusSeconds(600)))) {
            try (TestClient client = TestClient.connectRaw(withoutToken(""))) {
                client.send(auth(bad));
                assertEquals(4003, client.awaitCloseCode());
            }
        }
    }

    @Test
    void secondAuthFrameIsAnErrorNotAReauthentication() {
        try (TestClient client = TestClient.connectRaw(withToken(token("dave", Instant.now().plusSeconds(300))))) {
            client.next("welcome");
            client.send(auth(token("eve", Instant.now().plusSeconds(300))));
            assertEquals("already_authenticated", client.next("error").get("code").asText());
            client.publish("\"still dave\"", "d");
            assertEquals("dave", client.next("message").get("from").asText());
        }
    }

    private static URI withoutToken(String query) {
        return URI.create(replica.baseUri().toString().replaceFirst("^http", "ws") + "ws" + query);
    }

    private static String auth(String token) {
        return "{\"type\":\"auth\",\"token\":\"" + token + "\"}";
    }

    @Test
    void connectionIsClosedWith4001WhenItsTokenExpires() {
        try (TestClient client = TestClient.connectRaw(withToken(token("brief", Instant.now().plusSeconds(2))))) {
            client.next("welcome");
            assertEquals(4001, client.awaitCloseCode());
        }
    }

    @Test
    void refreshingTheTokenOverTheSocketKeepsTheConnection() {
        try (TestClient client = TestClient.connectRaw(withToken(token("renewer", Instant.now().plusSeconds(2))))) {
            client.next("welcome");
            long later = Instant.now().plusSeconds(300).getEpochSecond();
            client.send("{\"type\":\"refresh\",\"ref\":\"r1\",\"token\":\"" + token("renewer", Instant.ofEpochSecond(later))
                    + "\"}");
            assertEquals(later, client.next("refreshed").get("expires").asLong());
            client.send("{\"type\":\"refresh\",\"ref\":\"r2\",\"token\":\"" + token("someone-else",
                    Instant.now().plusSeconds(300)) + "\"}");
            assertEquals("invalid_token", client.next("error").get("code").asText());
            client.framesWithin(Duration.ofSeconds(3)); // past the first token's expiry
            client.publish("\"still connected\"", "p");
            assertEquals("p", client.next("ack").get("ref").asText());
        }
    }

    private static String algNone(String sub) {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String header = url.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = url.encodeToString(("{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + sub + "\",\"exp\":"
                + Instant.now().plusSeconds(300).getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + ".";
    }

    /** The same signature over a payload changed to another subject. */
    private static String retarget(String token, String sub) {
        String[] parts = token.split("\\.");
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replaceAll("\"sub\":\"[^\"]*\"", "\"sub\":\"" + sub + "\"");
        return parts[0] + "." + url.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    }

}
