package io.chorus.transport;

import io.chorus.testing.AnonymousUsers;
import io.chorus.testing.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * {@link BadFramesTest} (malformed and oversized client frames) against the packaged artifact over real sockets: the
 * jar by default, the native executable in the native CI job ({@code ./mvnw verify -Dnative}), where WebSockets Next
 * and the Redis client run compiled ahead of time.
 */
@QuarkusIntegrationTest
@WithTestResource(RedisTestResource.class)
@WithTestResource(AnonymousUsers.class)
class BadFramesIT extends BadFramesTest {
}
