package io.chorus.history;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.Envelope;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * History in memory for a single replica on the embedded backplane: the last {@code maxLength} messages of each
 * stream, with Redis's rules. A stream exists from its first message, is dropped {@code ttl} after its last one (its
 * epoch then changes, as a Redis key's expiry would), and at most {@code maxStreams} are kept: past that, the stream
 * written to least recently is dropped. Reading creates nothing. Everything happens under one lock, so appending and
 * publishing are atomic and history and live delivery agree.
 */
public final class LocalHistory implements History {

    private static final String NO_EPOCH = "";

    private final Backplane backplane;
    private final int maxLength;
    private final long ttlNanos;
    private final int maxStreams;
    private final LongSupplier clock;
    /** Streams in the order they were last written to (oldest first). Guarded by itself. */
    private final LinkedHashMap<StreamName, Stream> streams = new LinkedHashMap<>(16, 0.75f, false);

    private static final class Stream {
        final String epoch = newEpoch();
        final Deque<Entry> entries = new ArrayDeque<>();
        long top;
        long writtenAt;
    }

    private record Entry(long offset, Envelope message) {
    }

    public LocalHistory(Backplane backplane, int maxLength, Duration ttl, int maxStreams) {
        this(backplane, maxLength, ttl, maxStreams, System::nanoTime);
    }

    LocalHistory(Backplane backplane, int maxLength, Duration ttl, int maxStreams, LongSupplier clock) {
        this.backplane = backplane;
        this.maxLength = maxLength;
        this.ttlNanos = ttl.toNanos();
        this.maxStreams = maxStreams;
        this.clock = clock;
    }

    @Override
    public Uni<StreamPosition> publish(StreamName name, String channel, Envelope message) {
        synchronized (streams) {
            long now = clock.getAsLong();
            dropExpired(now);
            Stream stream = streams.remove(name); // re-inserted last: the most recently written
            if (stream == null) {
                stream = new Stream();
            }
            streams.put(name, stream);
            while (streams.size() > maxStreams) {
                Iterator<Stream> oldest = streams.values().iterator();
                oldest.next();
                oldest.remove();
            }
            long offset = ++stream.top;
            stream.writtenAt = now;
            StreamPosition position = new StreamPosition(offset, stream.epoch);
            Envelope positioned = message.at(position);
            stream.entries.addLast(new Entry(offset, positioned));
            while (stream.entries.size() > maxLength) {
                stream.entries.removeFirst();
            }
            return backplane.publish(channel, positioned.encode()).replaceWith(position);
        }
    }

    @Override
    public Uni<HistoryRead> readAfter(StreamName name, StreamPosition seen, int limit) {
        synchronized (streams) {
            Stream stream = live(name);
            StreamPosition top = stream == null ? new StreamPosition(0, NO_EPOCH) : new StreamPosition(stream.top, stream.epoch);
            if (top.epoch().equals(seen.epoch())) {
                if (seen.offset() > top.offset() || (stream != null && !reachesBack(stream, seen.offset()))) {
                    return Uni.createFrom().item(HistoryRead.lost(top));
                }
                List<Envelope> frames = stream == null ? List.of() : framesAfter(stream, seen.offset(), limit);
                return Uni.createFrom().item(HistoryRead.recovered(seen, frames, top));
            }
            // another epoch: replay the current one if it is complete from its start
            boolean fromNothing = seen.offset() == 0 && NO_EPOCH.equals(seen.epoch());
            if (stream != null && !reachesBack(stream, 0)) {
                return Uni.createFrom().item(HistoryRead.lost(top));
            }
            List<Envelope> frames = stream == null ? List.of() : framesAfter(stream, 0, limit);
            return Uni.createFrom().item(fromNothing ? HistoryRead.recovered(seen, frames, top)
                    : new HistoryRead(false, new StreamPosition(0, top.epoch()), frames, top));
        }
    }

    @Override
    public Uni<StreamPosition> top(StreamName name) {
        synchronized (streams) {
            Stream stream = live(name);
            return Uni.createFrom().item(stream == null ? new StreamPosition(0, NO_EPOCH)
                    : new StreamPosition(stream.top, stream.epoch));
        }
    }

    /** How many streams are kept. */
    int size() {
        synchronized (streams) {
            dropExpired(clock.getAsLong());
            return streams.size();
        }
    }

    /** The stream, unless it has none or it expired (then it is dropped). Caller holds the lock. */
    private Stream live(StreamName name) {
        Stream stream = streams.get(name);
        if (stream != null && clock.getAsLong() - stream.writtenAt >= ttlNanos) {
            streams.remove(name);
            return null;
        }
        return stream;
    }

    /** Drops the streams whose last message is older than the TTL: they are first in write order. */
    private void dropExpired(long now) {
        Iterator<Stream> oldestFirst = streams.values().iterator();
        while (oldestFirst.hasNext()) {
            if (now - oldestFirst.next().writtenAt < ttlNanos) {
                return;
            }
            oldestFirst.remove();
        }
    }

    private static boolean reachesBack(Stream stream, long seen) {
        return seen == stream.top || (!stream.entries.isEmpty() && stream.entries.peekFirst().offset() <= seen + 1);
    }

    private static List<Envelope> framesAfter(Stream stream, long seen, int limit) {
        List<Envelope> frames = new ArrayList<>();
        for (Entry entry : stream.entries) {
            if (entry.offset() > seen && frames.size() < limit) {
                frames.add(entry.message());
            }
        }
        return frames;
    }

    private static String newEpoch() {
        return Long.toHexString(0x1_0000_0000L | (ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL)).substring(1);
    }
}
