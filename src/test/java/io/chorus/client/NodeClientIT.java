package io.chorus.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;

/**
 * The JavaScript client in Node, against real replicas of the packaged jar on a real Redis: runs
 * {@code src/test/js/client} with Node's test runner (requests, presence, reconnection with backoff and recovery
 * through a real TCP relay that drops connections, close(), URL failover, and token expiry on a replica that
 * requires JWTs).
 */
class NodeClientIT {

    private static final String ISSUER = "https://auth.chorus.test";

    @BeforeEach
    void needsNode() {
        NodeScript.assumeNode();
    }

    @Test
    void clientPassesItsNodeTestsAgainstRealReplicas() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        try (RedisProcess redis = RedisProcess.start();
                ReplicaProcess r1 = ReplicaProcess.start("r1", redis.hosts());
                ReplicaProcess r2 = ReplicaProcess.start("r2", redis.hosts());
                // admits nobody: every upgrade gets 503 with Retry-After, as a replica under a reconnect storm does
                ReplicaProcess busy = ReplicaProcess.start("busy", redis.hosts(), "chorus.limits.max-admitting=0");
                ReplicaProcess secured = ReplicaProcess.start("jwt", redis.hosts(), "chorus.auth.anonymous=false",
                        "mp.jwt.verify.publickey=" + Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()),
                        "mp.jwt.verify.issuer=" + ISSUER)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> r1.isReady() && r2.isReady() && secured.isReady()
                    && busy.isReady());
            NodeScript.Result result = NodeScript
                    .node("--test", "--test-reporter=spec", "--test-timeout=60000", "client/")
                    .env("CHORUS_REPLICAS", "r1=" + r1.baseUri() + ",r2=" + r2.baseUri())
                    .env("CHORUS_REDIS_PORT", Integer.toString(redis.port()))
                    .env("CHORUS_JWT_REPLICA", "jwt=" + secured.baseUri())
                    .env("CHORUS_BUSY_REPLICA", "busy=" + busy.baseUri())
                    .env("CHORUS_JWT_ISSUER", ISSUER)
                    .env("CHORUS_JWT_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\n"
                            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPrivate().getEncoded())
                            + "\n-----END PRIVATE KEY-----\n")
                    .run(Duration.ofMinutes(3));
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().matches("(?s).*\\bpass [1-9]\\d*\\b.*\\bfail 0\\b.*"), result.output());
            assertTrue(result.output().contains("skipped 0"), "no test was skipped:\n" + result.output());
        }
    }
}
