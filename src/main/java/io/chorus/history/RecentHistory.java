package io.chorus.history;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * History as clients and backends browse it, one page at a time: a stream's latest messages, or those after a
 * position. (Recovery after a reconnect reads everything missed instead: {@link SharedReads}.)
 */
@Singleton
public class RecentHistory {

    private final History history;
    private final String broadcastChannel;
    private final int pageSize;

    RecentHistory(History history, ChorusConfig config) {
        this.history = history;
        this.broadcastChannel = config.channel();
        this.pageSize = config.history().pageSize();
    }

    /** The stream of a room, or of the broadcast channel when {@code room} is null. */
    public StreamName streamOf(String room) {
        return room == null ? StreamName.broadcast(broadcastChannel) : StreamName.room(room);
    }

    /** Most messages one read returns: {@code chorus.history.page-size}. */
    public int pageSize() {
        return pageSize;
    }

    /**
     * Up to {@code limit} messages (capped at the page size) after {@code since}, or the latest ones when
     * {@code since} is null; not recoverable when history no longer reaches back to {@code since}.
     */
    public Uni<HistoryRead> read(StreamName stream, StreamPosition since, int limit) {
        int count = Math.max(1, Math.min(limit, pageSize));
        Uni<HistoryRead> read = since != null ? history.readAfter(stream, since, count)
                : history.top(stream).chain(top -> history.readAfter(stream,
                        new StreamPosition(Math.max(0, top.offset() - count), top.epoch()), count));
        // a page that cannot reach back carries nothing (not even the replay of a newer epoch): the caller re-reads
        return read.map(page -> page.recoverable() ? page : HistoryRead.lost(page.top()));
    }
}
