package io.chorus.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.chorus.backplane.Envelope;
import io.chorus.protocol.FrameSize;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * Reads history in pages, bounded, and lets many readers of the same page share one read (single flight): when a
 * replica dies, its clients reconnect at once to the same rooms from the same positions, and Redis sees one read per
 * room and position instead of one per client.
 * <p>
 * A shared read is only as fresh as the moment it was sent. Readers therefore share only within a <em>cohort</em>
 * that the caller names: the hub uses one per group and per time its subscription became live, so every read of a
 * cohort was sent after the live subscription it complements, and a reader never gets a read older than that
 * subscription. Readers that need a read sent after some later moment use {@link #readAllFresh}.
 */
public final class SharedReads {

    private record Key(StreamName stream, StreamPosition seen, Object cohort) {
    }

    private record TopKey(StreamName stream, Object cohort) {
    }

    private final History history;
    private final int pageSize;
    private final int maxMessages;
    private final long maxBytes;
    private final Map<Key, Uni<HistoryRead>> inFlight = new ConcurrentHashMap<>();
    private final Map<TopKey, Uni<StreamPosition>> topsInFlight = new ConcurrentHashMap<>();

    /** Reads of at most {@code maxMessages} messages, with no bound on their bytes. */
    public SharedReads(History history, int pageSize, int maxMessages) {
        this(history, pageSize, maxMessages, Long.MAX_VALUE);
    }

    /**
     * Reads of at most {@code maxMessages} messages and {@code maxBytes} bytes (UTF-8): what one recovery holds in
     * memory and writes to one connection is bounded in both.
     */
    public SharedReads(History history, int pageSize, int maxMessages, long maxBytes) {
        this.history = history;
        this.pageSize = pageSize;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /**
     * Everything after {@code seen}, page by page, sharing pages with readers of the same cohort. Not recoverable when
     * history does not reach back, or when more than {@code maxMessages} (or {@code maxBytes}) were missed (the client must then
     * resynchronise some other way). When the stream's epoch changed but the new one is complete from its start, the
     * read replays it (see {@link HistoryRead}).
     */
    public Uni<HistoryRead> readAll(StreamName stream, StreamPosition seen, Object cohort) {
        return readFrom(stream, seen, cohort, null, new Gathered());
    }

    /** As {@link #readAll}, with reads of its own, all sent after this call. */
    public Uni<HistoryRead> readAllFresh(StreamName stream, StreamPosition seen) {
        return readFrom(stream, seen, null, null, new Gathered());
    }

    /**
     * @param first the first page's read (null while reading it): its verdict and starting point hold for the whole
     */
    /** The messages of a read so far, and their client frames' bytes. */
    private static final class Gathered {
        final List<Envelope> frames = new ArrayList<>();
        long bytes;

        void addAll(List<Envelope> more) {
            frames.addAll(more);
            for (Envelope message : more) {
                bytes += FrameSize.utf8Length(message.frame());
            }
        }
    }

    private Uni<HistoryRead> readFrom(StreamName stream, StreamPosition seen, Object cohort, HistoryRead first,
            Gathered gathered) {
        return page(stream, seen, cohort).chain(read -> {
            HistoryRead head = first == null ? read : first;
            if (first != null && !read.recoverable()) {
                // trimmed (or the epoch changed) between two pages: what was gathered is not followed by the rest
                return Uni.createFrom().item(HistoryRead.lost(read.top()));
            }
            if (first == null && !read.recoverable() && read.messages().isEmpty()) {
                return Uni.createFrom().item(read);
            }
            gathered.addAll(read.messages());
            if (gathered.frames.size() > maxMessages || gathered.bytes > maxBytes) {
                return Uni.createFrom().item(HistoryRead.lost(read.top()));
            }
            if (read.messages().size() < pageSize) {
                return Uni.createFrom().item(new HistoryRead(head.recoverable(), head.from(),
                        List.copyOf(gathered.frames), read.top()));
            }
            StreamPosition last = read.end();
            return readFrom(stream, last, cohort, head, gathered);
        });
    }

    private Uni<HistoryRead> page(StreamName stream, StreamPosition seen, Object cohort) {
        if (cohort == null) {
            return history.readAfter(stream, seen, pageSize);
        }
        Key key = new Key(stream, seen, cohort);
        return inFlight.computeIfAbsent(key, k -> history.readAfter(stream, seen, pageSize)
                .onTermination().invoke(() -> inFlight.remove(k))
                .memoize().indefinitely());
    }

    public Uni<StreamPosition> top(StreamName stream) {
        return history.top(stream);
    }

    /**
     * The stream's top, sharing one read with the readers of the same cohort that ask while it is in flight: a storm
     * of connections joining one group (every new connection joins the broadcast stream) costs a read per round trip,
     * not one per connection. A reader whose mark the shared top does not cover reads again, fresh.
     */
    public Uni<StreamPosition> top(StreamName stream, Object cohort) {
        TopKey key = new TopKey(stream, cohort);
        return topsInFlight.computeIfAbsent(key, k -> history.top(stream)
                .onTermination().invoke(() -> topsInFlight.remove(k))
                .memoize().indefinitely());
    }
}
