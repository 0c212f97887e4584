package io.chorus.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Anonymous mode ({@code ?user=} taken on trust) for a packaged application under test: {@code @QuarkusTest}s get it
 * from the test profile, but a {@code @QuarkusIntegrationTest} runs the jar or native executable in the prod
 * profile, which requires a JWT.
 */
public class AnonymousUsers implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("chorus.auth.anonymous", "true");
    }

    @Override
    public void stop() {
        // nothing was started
    }
}
