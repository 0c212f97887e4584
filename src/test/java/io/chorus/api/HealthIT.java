package io.chorus.api;

import io.chorus.testing.RedisTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * {@link HealthTest} against the packaged artifact: the jar by default, the native executable with
 * {@code ./mvnw verify -Dnative} (the native CI job). The Redis address reaches the launched process from
 * {@link RedisTestResource}.
 */
@QuarkusIntegrationTest
@WithTestResource(RedisTestResource.class)
class HealthIT extends HealthTest {
}
