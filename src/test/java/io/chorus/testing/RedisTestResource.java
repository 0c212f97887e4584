package io.chorus.testing;

import java.util.Map;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The Redis that {@code @QuarkusTest}s run against, real in every case: the one .ci/run started (its address in
 * {@code CHORUS_TEST_REDIS_HOSTS}), else a Testcontainers Redis where a Docker engine runs (GitHub Actions), else a
 * {@code redis-server} process of the test's own.
 */
public class RedisTestResource implements QuarkusTestResourceLifecycleManager {

    private GenericContainer<?> container;
    private RedisProcess process;

    @Override
    public Map<String, String> start() {
        return Map.of("quarkus.redis.hosts", startRedis());
    }

    private String startRedis() {
        String given = System.getenv("CHORUS_TEST_REDIS_HOSTS");
        if (given != null && !given.isBlank()) {
            return given;
        }
        if (dockerAvailable()) {
            container = new GenericContainer<>(DockerImageName.parse("redis:7-alpine")).withExposedPorts(6379);
            container.start();
            return "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
        }
        process = RedisProcess.start();
        return process.hosts();
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Override
    public void stop() {
        if (container != null) {
            container.stop();
        }
        if (process != null) {
            process.close();
        }
    }
}
