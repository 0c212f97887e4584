package io.chorus.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The manifests committed in deploy/kubernetes/ are the ones the build generates. Compared as YAML trees, so the
 * header comment and key order do not matter, nor the order of env vars, which varies from build to build; the
 * commit id annotations that the generator adds in a git clone are left out (generate.sh does not commit them). Runs
 * after {@code package}, when target/kubernetes is fresh.
 */
class GeneratedManifestsIT {

    @ParameterizedTest
    @ValueSource(strings = { "kubernetes.yml", "knative.yml" })
    void committedManifestsMatchTheGeneratedOnes(String file) {
        var generated = Manifests.GENERATED.resolve(file);
        assertTrue(Files.exists(generated), generated + " is missing: the build did not generate it");
        assertEquals(normalized(Manifests.read(generated)),
                normalized(Manifests.read(Manifests.COMMITTED.resolve(file))),
                "deploy/kubernetes/" + file + " differs from what the build generates: run deploy/kubernetes/generate.sh");
    }

    private static final List<String> VCS_ANNOTATIONS = List.of("app.quarkus.io/commit-id", "app.quarkus.io/vcs-uri");

    /** Copies of the resources with every {@code env} list sorted by name and no commit annotations. */
    static List<JsonNode> normalized(List<JsonNode> resources) {
        List<JsonNode> copies = new ArrayList<>();
        for (JsonNode resource : resources) {
            JsonNode copy = resource.deepCopy();
            normalize(copy);
            copies.add(copy);
        }
        return copies;
    }

    private static void normalize(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.get("env") instanceof ArrayNode env) {
                List<JsonNode> entries = new ArrayList<>();
                env.forEach(entries::add);
                entries.sort(Comparator.comparing(entry -> entry.path("name").asText()));
                env.removeAll();
                env.addAll(entries);
            }
            if (object.get("annotations") instanceof ObjectNode annotations) {
                annotations.remove(VCS_ANNOTATIONS);
            }
            object.elements().forEachRemaining(GeneratedManifestsIT::normalize);
        } else if (node instanceof ArrayNode array) {
            array.elements().forEachRemaining(GeneratedManifestsIT::normalize);
        }
    }
}
