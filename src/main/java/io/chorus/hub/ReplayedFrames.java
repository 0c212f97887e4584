package io.chorus.hub;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stored frames being replayed, each encoded once: joiners recovering the same stretch of a stream share one read, so
 * the same frames come by again, one member at a time. Holds the most recently replayed {@code capacity} frames and
 * forgets the least recently used beyond that, so a server that replays every message of its history keeps a bounded
 * few, not all of them.
 */
final class ReplayedFrames {

    private final Map<String, Fanout.Frame> frames;

    ReplayedFrames(int capacity) {
        this.frames = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Fanout.Frame> eldest) {
                if (size() <= capacity) {
                    return false;
                }
                eldest.getValue().release(); // its writes still in flight hold it themselves
                return true;
            }
        };
    }

    /**
     * The frame of this text: the one encoded when it was last replayed, if it still is kept, else a new one. The
     * caller holds it, and releases it once it has handed it to its writes.
     */
    synchronized Fanout.Frame frameOf(String text) {
        return frames.computeIfAbsent(text, Fanout.Frame::new).retain();
    }

    synchronized int size() {
        return frames.size();
    }
}
