package io.chorus.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

/**
 * The key kinds a deployment may verify tokens with, each on its own replica: an HS256 shared secret (JWK), an
 * ES256 public key (with an audience required), and RS256 keys fetched from a JWKS URL. Each accepts its own tokens and refuses tokens of another
 * algorithm, including the classic confusion of an HS256 token "signed" with the RSA public key.
 */
class JwtKeyKindsIT {

    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

    static SecretKey secret;
    static KeyPair ec;
    static KeyPair rsa;
    static HttpServer jwksServer;
    static final AtomicInteger jwksFetches = new AtomicInteger();
    static ReplicaProcess hs256;
    static ReplicaProcess es256;
    static ReplicaProcess jwks;

    @BeforeAll
    static void start() throws Exception {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        secret = new SecretKeySpec(bytes, "HmacSHA256");
        Path jwk = Files.createTempFile("chorus-hs256-", ".jwk");
        Files.writeString(jwk, "{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"" + URL.encodeToString(bytes) + "\"}");
        hs256 = ReplicaProcess.start("hs256", null, "chorus.auth.anonymous=false",
                "smallrye.jwt.verify.key.location=" + jwk.toUri(), "mp.jwt.verify.publickey.algorithm=HS256");

        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        ec = ecGenerator.generateKeyPair();
        es256 = ReplicaProcess.start("es256", null, "chorus.auth.anonymous=false",
                "mp.jwt.verify.publickey=" + Base64.getEncoder().encodeToString(ec.getPublic().getEncoded()),
                "mp.jwt.verify.publickey.algorithm=ES256", "mp.jwt.verify.audiences=chorus-clients");

        KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
        rsaGenerator.initialize(2048);
        rsa = rsaGenerator.generateKeyPair();
        jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwksServer.createContext("/jwks.json", exchange -> {
            jwksFetches.incrementAndGet();
            byte[] body = jwksOf((RSAPublicKey) rsa.getPublic()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        jwksServer.start();
        jwks = ReplicaProcess.start("jwks", null, "chorus.auth.anonymous=false",
                "mp.jwt.verify.publickey.location=http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks.json");
    }

    @AfterAll
    static void stop() {
        for (ReplicaProcess replica : new ReplicaProcess[] { hs256, es256, jwks }) {
            if (replica != null) {
                replica.close();
            }
        }
        if (jwksServer != null) {
            jwksServer.stop(0);
        }
    }

    private static String jwksOf(RSAPublicKey key) {
        return "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\""
                + URL.encodeToString(unsigned(key.getModulus())) + "\",\"e\":\""
                + URL.encodeToString(unsigned(key.getPublicExponent())) + "\"}]}";
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    private static JwtClaimsBuilder claims(String sub) {
        return Jwt.subject(sub).expiresAt(Instant.now().plusSeconds(300));
    }

    private static String userOf(ReplicaProcess replica, String token) {
        try (TestClient client = TestClient.connectRaw(URI.create(replica.baseUri().toString().replaceFirst("^http", "ws")
                + "ws?token=" + token))) {
            return client.next("welcome").get("user").asText();
        }
    }

    private static int upgrade(ReplicaProcess replica, String token) {
        return TestClient.upgradeStatus(URI.create(replica.baseUri().toString().replaceFirst("^http", "ws")
                + "ws?token=" + token), null);
    }

    @Test
    void hs256SecretVerifiesItsTokensAndRefusesOthers() {
        assertEquals("hilda", userOf(hs256, claims("hilda").jws().algorithm(SignatureAlgorithm.HS256).sign(secret)));
        SecretKey wrong = new SecretKeySpec(new byte[32], "HmacSHA256");
        assertEquals(401, upgrade(hs256, claims("mallory").jws().algorithm(SignatureAlgorithm.HS256).sign(wrong)));
        assertEquals(401, upgrade(hs256, claims("mallory").sign(rsa.getPrivate())));
    }

    @Test
    void es256PublicKeyVerifiesItsTokensAndRefusesOthers() {
        assertEquals("edna", userOf(es256, claims("edna").audience("chorus-clients").jws()
                .algorithm(SignatureAlgorithm.ES256).sign(ec.getPrivate())));
        assertEquals(401, upgrade(es256, claims("mallory").audience("chorus-clients").sign(rsa.getPrivate())));
        assertEquals(401, upgrade(es256, claims("mallory").jws().algorithm(SignatureAlgorithm.HS256).sign(secret)));
    }

    @Test
    void tokenForAnotherAudienceIsRefused() {
        assertEquals(401, upgrade(es256, claims("mallory").audience("billing-service").jws()
                .algorithm(SignatureAlgorithm.ES256).sign(ec.getPrivate())));
        assertEquals(401, upgrade(es256, claims("mallory").jws().algorithm(SignatureAlgorithm.ES256).sign(ec.getPrivate())));
    }

    @Test
    void jwksUrlKeysVerifyTokensByKeyId() {
        assertEquals("jules", userOf(jwks, claims("jules").jws().keyId("k1").sign(rsa.getPrivate())));
        assertTrue(jwksFetches.get() > 0, "the keys came from the JWKS URL");
    }

    @Test
    void hs256TokenSignedWithTheRsaPublicKeyIsRefused() {
        SecretKey confused = new SecretKeySpec(rsa.getPublic().getEncoded(), "HmacSHA256");
        assertEquals(401, upgrade(jwks, claims("mallory").jws().keyId("k1").algorithm(SignatureAlgorithm.HS256)
                .sign(confused)));
    }

    @Test
    void tokenFromAnUnknownKeyIsRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair stranger = generator.generateKeyPair();
        assertEquals(401, upgrade(jwks, claims("mallory").jws().keyId("k1").sign(stranger.getPrivate())));
    }
}
