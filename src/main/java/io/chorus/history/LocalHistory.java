package io.chorus.history;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.chorus.backplane.Backplane;
import io.chorus.protocol.ServerFrames;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * History in memory for a single replica on the embedded backplane: the last {@code maxLength} messages of each
 * stream. Appending and publishing happen under the stream's lock, so history and live delivery agree.
 */
public final class LocalHistory implements History {

    private final Backplane backplane;
    private final int maxLength;
    private final Map<StreamName, Stream> streams = new ConcurrentHashMap<>();

    private static final class Stream {
        final String epoch = UUID.randomUUID().toString().substring(0, 8);
        final Deque<Entry> entries = new ArrayDeque<>();
        long top;
    }

    private record Entry(long offset, String frame) {
    }

    public LocalHistory(Backplane backplane, int maxLength) {
        this.backplane = backplane;
        this.maxLength = maxLength;
    }

    private Stream stream(StreamName name) {
        return streams.computeIfAbsent(name, n -> new Stream());
    }

    @Override
    public Uni<StreamPosition> publish(StreamName name, String channel, String frame) {
        Stream stream = stream(name);
        synchronized (stream) {
            long offset = ++stream.top;
            String positioned = ServerFrames.withPosition(frame, offset, stream.epoch);
            stream.entries.addLast(new Entry(offset, positioned));
            while (stream.entries.size() > maxLength) {
                stream.entries.removeFirst();
            }
            return backplane.publish(channel, positioned).replaceWith(new StreamPosition(offset, stream.epoch));
        }
    }

    @Override
    public Uni<HistoryRead> readAfter(StreamName name, StreamPosition seen, int limit) {
        Stream stream = stream(name);
        synchronized (stream) {
            StreamPosition top = new StreamPosition(stream.top, stream.epoch);
            boolean reachable = stream.epoch.equals(seen.epoch()) && seen.offset() <= stream.top
                    && (seen.offset() == stream.top
                            || (!stream.entries.isEmpty() && stream.entries.peekFirst().offset() <= seen.offset() + 1));
            if (!reachable) {
                return Uni.createFrom().item(new HistoryRead(false, List.of(), top));
            }
            List<String> frames = new ArrayList<>();
            for (Entry entry : stream.entries) {
                if (entry.offset() > seen.offset() && frames.size() < limit) {
                    frames.add(entry.frame());
                }
            }
            return Uni.createFrom().item(new HistoryRead(true, frames, top));
        }
    }

    @Override
    public Uni<StreamPosition> top(StreamName name) {
        Stream stream = stream(name);
        synchronized (stream) {
            return Uni.createFrom().item(new StreamPosition(stream.top, stream.epoch));
        }
    }
}
