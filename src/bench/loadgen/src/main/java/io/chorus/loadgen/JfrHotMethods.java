package io.chorus.loadgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a replica spent its CPU, from its JFR recording: the Java execution samples taken inside a time window (the
 * measured phase), counted by top frame (self) and by every frame on the stack (inclusive). Run on its own with
 * {@code JfrHotMethods FILE.jfr [FROM_EPOCH_MS TO_EPOCH_MS]}.
 */
final class JfrHotMethods {

    private JfrHotMethods() {
    }

    public static void main(String[] args) throws IOException {
        Instant from = args.length > 2 ? Instant.ofEpochMilli(Long.parseLong(args[1])) : Instant.MIN;
        Instant to = args.length > 2 ? Instant.ofEpochMilli(Long.parseLong(args[2])) : Instant.MAX;
        System.out.print(analyze(Path.of(args[0]), from, to, 30));
    }

    /** A text report of the top {@code limit} methods, self and inclusive, of the samples in [from, to]. */
    static String analyze(Path recording, Instant from, Instant to, int limit) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        int samples = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                    continue;
                }
                Instant at = event.getStartTime();
                if (at.isBefore(from) || at.isAfter(to)) {
                    continue;
                }
                List<RecordedFrame> frames = event.getStackTrace().getFrames();
                if (frames.isEmpty()) {
                    continue;
                }
                samples++;
                self.merge(name(frames.get(0)), 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame frame : frames) {
                    String name = name(frame);
                    if (seen.add(name)) {
                        inclusive.merge(name, 1, Integer::sum);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("JFR execution samples in the window: ").append(samples).append(" (")
                .append(recording.getFileName()).append(")\n\n-- self (top frame)\n");
        append(out, self, samples, limit);
        out.append("\n-- inclusive (anywhere on the stack; stacks are truncated at 64 frames)\n");
        append(out, inclusive, samples, limit * 2);
        return out.toString();
    }

    static void write(Path recording, Instant from, Instant to, Path target) throws IOException {
        Files.writeString(target, analyze(recording, from, to, 30));
    }

    private static void append(StringBuilder out, Map<String, Integer> counts, int total, int limit) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit)
                .forEach(e -> out.append(String.format(Locale.ROOT, "%6d %5.1f%%  %s%n", e.getValue(),
                        100.0 * e.getValue() / Math.max(1, total), e.getKey())));
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
