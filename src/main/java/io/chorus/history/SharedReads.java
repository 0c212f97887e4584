package io.chorus.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.chorus.protocol.ServerFrames;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * Reads history in pages, bounded, and lets many readers of the same page share one read (single flight): when a
 * replica dies, its clients reconnect at once to the same rooms from the same positions, and Redis sees one read per
 * room and position instead of one per client.
 */
public final class SharedReads {

    private record Key(StreamName stream, StreamPosition seen) {
    }

    private final History history;
    private final int pageSize;
    private final int maxMessages;
    private final Map<Key, Uni<HistoryRead>> inFlight = new ConcurrentHashMap<>();

    public SharedReads(History history, int pageSize, int maxMessages) {
        this.history = history;
        this.pageSize = pageSize;
        this.maxMessages = maxMessages;
    }

    /**
     * Everything after {@code seen}, page by page. Not recoverable when history does not reach back, or when more
     * than {@code maxMessages} were missed (the client must then resynchronise some other way).
     */
    public Uni<HistoryRead> readAll(StreamName stream, StreamPosition seen) {
        return readFrom(stream, seen, new ArrayList<>());
    }

    private Uni<HistoryRead> readFrom(StreamName stream, StreamPosition seen, List<String> gathered) {
        return page(stream, seen).chain(read -> {
            if (!read.recoverable()) {
                return Uni.createFrom().item(new HistoryRead(false, List.of(), read.top()));
            }
            gathered.addAll(read.frames());
            if (gathered.size() > maxMessages) {
                return Uni.createFrom().item(new HistoryRead(false, List.of(), read.top()));
            }
            if (read.frames().size() < pageSize) {
                return Uni.createFrom().item(new HistoryRead(true, List.copyOf(gathered), read.top()));
            }
            StreamPosition last = ServerFrames.positionOf(gathered.get(gathered.size() - 1));
            return readFrom(stream, last == null ? read.top() : last, gathered);
        });
    }

    private Uni<HistoryRead> page(StreamName stream, StreamPosition seen) {
        Key key = new Key(stream, seen);
        return inFlight.computeIfAbsent(key, k -> history.readAfter(stream, seen, pageSize)
                .onTermination().invoke(() -> inFlight.remove(k))
                .memoize().indefinitely());
    }

    public Uni<StreamPosition> top(StreamName stream) {
        return history.top(stream);
    }
}
