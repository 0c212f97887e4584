package io.chorus.transport;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Sizes the queue websockets-next gives every connection for its inbound messages (they are handled one at a time,
 * in order). The queue is Mutiny's unbounded MPSC queue, allocated in chunks of Mutiny's "small buffer" size: 256
 * slots by default, about 1 KiB of every connection's heap, although an idle connection's queue is always empty and
 * a busy one rarely holds more than a few messages. Chunks of 16 cost ~80 bytes; a longer queue links more chunks.
 * <p>
 * Set at startup, before the first connection. The JVM property {@code mutiny.buffer-size.s}, when given, still
 * wins (Mutiny reads it first). Measured in docs/benchmarks.md, "Idle memory".
 */
@Singleton
class InboundQueueSize {

    static final int CHUNK = 16;

    void onStart(@Observes StartupEvent event) {
        Infrastructure.setBufferSizeS(CHUNK);
    }
}
