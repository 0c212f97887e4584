package io.chorus.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The manifests committed in deploy/kubernetes/ are the ones the build generates (compared as YAML trees, so the
 * header comment and key order do not matter). Runs after {@code package}, when target/kubernetes is fresh.
 */
class GeneratedManifestsIT {

    @ParameterizedTest
    @ValueSource(strings = { "kubernetes.yml", "knative.yml" })
    void committedManifestsMatchTheGeneratedOnes(String file) {
        var generated = Manifests.GENERATED.resolve(file);
        assertTrue(Files.exists(generated), generated + " is missing: the build did not generate it");
        assertEquals(Manifests.read(generated), Manifests.read(Manifests.COMMITTED.resolve(file)),
                "deploy/kubernetes/" + file + " differs from what the build generates: run deploy/kubernetes/generate.sh");
    }
}
