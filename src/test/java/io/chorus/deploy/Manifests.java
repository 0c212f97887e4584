package io.chorus.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** Reads the Kubernetes/Knative manifests (multi-document YAML) and the application's properties, for the tests. */
final class Manifests {

    static final Path COMMITTED = Path.of("deploy", "kubernetes");
    static final Path GENERATED = Path.of("target", "kubernetes");
    static final Path APPLICATION_PROPERTIES = Path.of("src", "main", "resources", "application.properties");

    private static final YAMLMapper YAML = new YAMLMapper();

    private Manifests() {
    }

    /** Every resource of a YAML file, in order. */
    static List<JsonNode> read(Path file) {
        try {
            return YAML.readerFor(JsonNode.class).<JsonNode> readValues(file.toFile()).readAll().stream()
                    .filter(node -> node != null && !node.isNull() && !node.isMissingNode())
                    .toList();
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    /** The one resource of that kind and name; AssertionError when there is none or several. */
    static JsonNode resource(List<JsonNode> resources, String apiVersion, String kind, String name) {
        List<JsonNode> found = resources.stream()
                .filter(r -> apiVersion.equals(r.path("apiVersion").asText()) && kind.equals(r.path("kind").asText())
                        && name.equals(r.path("metadata").path("name").asText()))
                .toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + apiVersion + " " + kind + " named " + name + ", found "
                    + found.size());
        }
        return found.get(0);
    }

    /** The container of that name in a pod template spec. */
    static JsonNode container(JsonNode podSpec, String name) {
        for (JsonNode container : podSpec.path("containers")) {
            if (name.equals(container.path("name").asText())) {
                return container;
            }
        }
        throw new AssertionError("no container " + name + " in " + podSpec);
    }

    /** The env entry of that name in a container. */
    static JsonNode env(JsonNode container, String name) {
        for (JsonNode env : container.path("env")) {
            if (name.equals(env.path("name").asText())) {
                return env;
            }
        }
        throw new AssertionError("no env var " + name + " in container " + container.path("name").asText());
    }

    static Properties applicationProperties() {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(APPLICATION_PROPERTIES)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + APPLICATION_PROPERTIES, e);
        }
        return properties;
    }

    /** A property for the prod profile: {@code %prod.key} wins over {@code key}; null when neither is set. */
    static String prodValue(Properties properties, String key) {
        return properties.getProperty("%prod." + key, properties.getProperty(key));
    }

    /**
     * A Quarkus duration: a bare number of seconds, a number with ms/s/m/h/d, or ISO-8601 ({@code PT1S}).
     */
    static Duration duration(String text) {
        String value = text.trim();
        if (value.startsWith("P") || value.startsWith("p")) {
            return Duration.parse(value.toUpperCase());
        }
        if (value.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        var matcher = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)").matcher(value.toLowerCase());
        if (!matcher.matches()) {
            throw new AssertionError("not a duration: " + text);
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }
}
