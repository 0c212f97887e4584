package io.chorus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Dependencies between Chorus's packages point one way: no package reaches, directly or through others, a package that
 * reaches it. Read twice, and both count: from the sources (every {@code io.chorus.…} name a file mentions: imports,
 * static imports, qualified names, {@code @link}s; this sees constants the compiler inlines) and from the compiled
 * classes with the JDK's {@code jdeps} (this sees types used without being named, such as a method's return type in a
 * chained call). README.md's "Packages" section states the layering; each package may depend only on packages listed
 * after it there.
 */
class PackageDependenciesTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path CLASSES = Path.of("target/classes");
    private static final Pattern JDEPS_EDGE = Pattern.compile("^\\s+(io\\.chorus\\S*)\\s+->\\s+(io\\.chorus\\S*)\\s",
            Pattern.MULTILINE);
    private static final Pattern PACKAGE = Pattern.compile("^package (io\\.chorus[a-z0-9_.]*);", Pattern.MULTILINE);
    /** A name in io.chorus: its package is what comes before the first capitalised segment (or a wildcard). */
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.chorus((?:\\.[a-z][a-z0-9_]*)*)\\.(?:[A-Z]|\\*)");
    private static final Pattern LAYERING = Pattern.compile("^Dependencies point down this list: (.+)$",
            Pattern.MULTILINE);
    private static final Pattern LAYER = Pattern.compile("`([a-z0-9_.]+)`");

    @Test
    void noPackageReachesBackToItself() {
        Map<String, Set<String>> dependencies = dependencies();
        List<List<String>> cycles = cycles(dependencies);
        assertTrue(cycles.isEmpty(), () -> "package cycles (one per tangle, a -> b -> … -> a): " + cycles
                + "; dependencies within them: " + within(dependencies, cycles));
    }

    @Test
    void eachPackageDependsOnlyOnPackagesBelowItInTheReadme() throws IOException {
        Matcher line = LAYERING.matcher(Files.readString(Path.of("README.md")));
        assertTrue(line.find(), "README.md states the layering as 'Dependencies point down this list: …'");
        List<String> layers = new ArrayList<>();
        Matcher layer = LAYER.matcher(line.group(1));
        while (layer.find()) {
            layers.add(layer.group(1).equals("io.chorus") ? "io.chorus" : "io.chorus." + layer.group(1));
        }
        Map<String, Set<String>> dependencies = dependencies();
        assertEquals(new TreeSet<>(dependencies.keySet()), new TreeSet<>(layers), "packages in README.md's layering");
        List<String> upward = new ArrayList<>();
        dependencies.forEach((from, tos) -> tos.stream()
                .filter(to -> layers.indexOf(to) < layers.indexOf(from))
                .forEach(to -> upward.add(from + " -> " + to)));
        assertTrue(upward.isEmpty(), "dependencies up README.md's layering: " + upward);
    }

    @Test
    void aCycleThroughThreePackagesIsFound() {
        Map<String, Set<String>> graph = Map.of("a", Set.of("b"), "b", Set.of("c", "d"), "c", Set.of("a"), "d",
                Set.of());
        List<List<String>> cycles = cycles(graph);
        assertEquals(1, cycles.size(), "cycles of " + graph);
        assertEquals(Set.of("a", "b", "c"), Set.copyOf(cycles.get(0)));
        assertFalse(cycles(Map.of("a", Set.of("b"), "b", Set.of())).iterator().hasNext());
    }

    /** Each main package's dependencies on other io.chorus packages, from the sources and the classes together. */
    private static Map<String, Set<String>> dependencies() {
        Map<String, Set<String>> graph = sourceDependencies(SOURCES);
        assertTrue(graph.size() > 5, "read the packages of " + SOURCES.toAbsolutePath());
        Map<String, Set<String>> compiled = classDependencies(CLASSES);
        assertTrue(compiled.size() > 5, "read the classes of " + CLASSES.toAbsolutePath());
        compiled.forEach((from, tos) -> graph.computeIfAbsent(from, key -> new TreeSet<>()).addAll(tos));
        return graph;
    }

    /** What jdeps finds between the packages of compiled classes (it leaves out dependencies within a package). */
    private static Map<String, Set<String>> classDependencies(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new AssertionError("jdeps is missing: run the tests on a JDK"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-e", "io\\.chorus.*",
                classes.toString());
        assertEquals(0, exit, "jdeps failed: " + err);
        Map<String, Set<String>> graph = new TreeMap<>();
        Matcher edge = JDEPS_EDGE.matcher(out.toString());
        while (edge.find()) {
            graph.computeIfAbsent(edge.group(1), key -> new TreeSet<>()).add(edge.group(2));
        }
        return graph;
    }

    /** Each package's dependencies on other io.chorus packages, as its sources name them. */
    private static Map<String, Set<String>> sourceDependencies(Path root) {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(file -> file.toString().endsWith(".java")).forEach(file -> {
                String source = read(file);
                Matcher declared = PACKAGE.matcher(source);
                if (!declared.find()) {
                    return;
                }
                String from = declared.group(1);
                Set<String> tos = graph.computeIfAbsent(from, key -> new TreeSet<>());
                Matcher reference = REFERENCE.matcher(source);
                while (reference.find()) {
                    String to = "io.chorus" + reference.group(1);
                    if (!to.equals(from)) {
                        tos.add(to);
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }

    /** One cycle (a path that returns to its start) per strongly connected set of two or more packages. */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        List<List<String>> cycles = new ArrayList<>();
        Set<String> done = new TreeSet<>();
        for (String start : new TreeSet<>(graph.keySet())) {
            if (done.contains(start)) {
                continue;
            }
            Set<String> reachable = reachable(graph, start);
            Set<String> component = new TreeSet<>();
            for (String other : reachable) {
                if (reachable(graph, other).contains(start)) {
                    component.add(other);
                }
            }
            done.addAll(component);
            if (component.size() > 1) {
                cycles.add(cycleThrough(graph, start, component));
            }
        }
        return cycles;
    }

    /** The dependencies between packages of the same tangle, for the failure message. */
    private static List<String> within(Map<String, Set<String>> graph, List<List<String>> cycles) {
        List<String> edges = new ArrayList<>();
        for (List<String> cycle : cycles) {
            Set<String> tangle = new TreeSet<>(cycle);
            for (String from : new TreeSet<>(graph.keySet())) {
                if (reachable(graph, from).containsAll(cycle) && reachable(graph, cycle.get(0)).contains(from)) {
                    tangle.add(from);
                }
            }
            tangle.forEach(from -> graph.get(from).stream().filter(tangle::contains)
                    .forEach(to -> edges.add(from + " -> " + to)));
        }
        return edges;
    }

    private static Set<String> reachable(Map<String, Set<String>> graph, String from) {
        Set<String> seen = new TreeSet<>();
        Deque<String> next = new ArrayDeque<>(List.of(from));
        while (!next.isEmpty()) {
            for (String to : graph.getOrDefault(next.pop(), Set.of())) {
                if (seen.add(to)) {
                    next.push(to);
                }
            }
        }
        return seen;
    }

    /** A shortest path from start back to start, within its component. */
    private static List<String> cycleThrough(Map<String, Set<String>> graph, String start, Set<String> component) {
        Map<String, String> cameFrom = new TreeMap<>();
        Deque<String> next = new ArrayDeque<>(List.of(start));
        while (!next.isEmpty()) {
            String at = next.removeFirst();
            for (String to : graph.getOrDefault(at, Set.of())) {
                if (to.equals(start)) {
                    List<String> path = new ArrayList<>(List.of(start));
                    for (String step = at; !step.equals(start); step = cameFrom.get(step)) {
                        path.add(1, step);
                    }
                    path.add(start);
                    return path;
                }
                if (component.contains(to) && !cameFrom.containsKey(to)) {
                    cameFrom.put(to, at);
                    next.addLast(to);
                }
            }
        }
        throw new IllegalStateException(start + " is in a component but on no cycle");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
