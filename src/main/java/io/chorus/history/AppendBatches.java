package io.chorus.history;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import io.chorus.backplane.Envelope;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Gathers a replica's history appends into batches, each sent to Redis as one script call, so Redis reads one
 * command, sends one reply and writes the pub/sub pushes of the whole batch at once (docs/benchmarks.md, "Rooms,
 * session 8").
 * <p>
 * A batch holds what is pending together: the appends made while the previous partial batch is still on its way, or
 * in the same event-loop turn, or, with a {@code window}, within that long of the first one. At most one partial
 * batch is on its way at a time; a batch that reaches {@link #MAX_MESSAGES} or {@link #MAX_BYTES} is sent at once,
 * so nothing waits here beyond one batch (the Redis client's pool and its waiting queue bound what is sent, as they
 * bound single calls). Each append gets its own outcome: its position, or the failure of its own commands (the
 * others of its batch go on), or, when its batch's call fails as a whole, that call's failure; results are handed back
 * on the thread that made the append.
 */
final class AppendBatches {

    /** Most appends in one call. */
    static final int MAX_MESSAGES = 64;
    /** Most characters of channel names and envelopes in one call (a batch is sent once it reaches this). */
    static final int MAX_BYTES = 256 * 1024;

    /** What became of one append of a batch: its position, or why it failed (then the position is null). */
    record Outcome(StreamPosition position, Throwable failure) {

        static Outcome appended(StreamPosition position) {
            return new Outcome(position, null);
        }

        static Outcome failed(Throwable failure) {
            return new Outcome(null, failure);
        }
    }

    /** One publish waiting for its batch, and who to tell. */
    record Append(StreamName stream, String channel, Envelope message, UniEmitter<? super StreamPosition> emitter,
            Context context, Thread thread) {

        int size() {
            return channel.length() + message.beforePosition().length() + message.afterPosition().length();
        }
    }

    private final Vertx vertx;
    private final long windowMillis;
    private final Function<List<Append>, Uni<List<Outcome>>> send;
    private final LongAdder calls = new LongAdder();
    // guarded by this
    private List<Append> pending = new ArrayList<>();
    private int pendingBytes;
    private boolean flushScheduled;
    private boolean partialOnItsWay;

    /**
     * {@code send} makes one call for a batch and answers with one outcome per append, in order (or fails, for all of
     * them).
     */
    AppendBatches(Vertx vertx, Duration window, Function<List<Append>, Uni<List<Outcome>>> send) {
        this.vertx = vertx;
        this.windowMillis = window.toMillis();
        this.send = send;
    }

    /** Appends the message in the next batch; the item is its position. */
    Uni<StreamPosition> append(StreamName stream, String channel, Envelope message) {
        return Uni.createFrom().emitter(emitter -> {
            Context context = Vertx.currentContext();
            add(new Append(stream, channel, message, emitter, context, context == null ? null : Thread.currentThread()));
        });
    }

    /** Calls made so far (batches sent). */
    long calls() {
        return calls.sum();
    }

    private void add(Append append) {
        List<Append> full = null;
        boolean schedule = false;
        synchronized (this) {
            pending.add(append);
            pendingBytes += append.size();
            if (pending.size() >= MAX_MESSAGES || pendingBytes >= MAX_BYTES) {
                full = take();
            } else if (!flushScheduled && !partialOnItsWay) {
                flushScheduled = true;
                schedule = true;
            }
        }
        if (full != null) {
            send(full, false);
        } else if (schedule) {
            schedule(append.context());
        }
    }

    private void schedule(Context context) {
        if (windowMillis > 0) {
            vertx.setTimer(windowMillis, ignored -> due());
        } else if (context != null) {
            context.runOnContext(ignored -> due()); // after what this event-loop turn still has to read
        } else {
            vertx.runOnContext(ignored -> due());
        }
    }

    /** The window (or the turn) of the first pending append is over: send what is pending, unless a partial is out. */
    private void due() {
        List<Append> batch;
        synchronized (this) {
            flushScheduled = false;
            if (partialOnItsWay || pending.isEmpty()) {
                return; // when it is back, the partial on its way sends what is pending
            }
            batch = take();
            partialOnItsWay = true;
        }
        send(batch, true);
    }

    private List<Append> take() {
        List<Append> batch = pending;
        pending = new ArrayList<>();
        pendingBytes = 0;
        return batch;
    }

    private void send(List<Append> batch, boolean partial) {
        calls.increment();
        Uni<List<Outcome>> call;
        try {
            call = send.apply(batch);
        } catch (RuntimeException e) {
            call = Uni.createFrom().failure(e);
        }
        call.subscribe().with(outcomes -> {
            if (partial) {
                back();
            }
            if (outcomes.size() != batch.size()) {
                IllegalStateException wrong = new IllegalStateException(
                        outcomes.size() + " outcomes for a batch of " + batch.size());
                batch.forEach(append -> complete(append, null, wrong));
                return;
            }
            for (int i = 0; i < batch.size(); i++) {
                Outcome outcome = outcomes.get(i);
                complete(batch.get(i), outcome.position(), outcome.failure());
            }
        }, failure -> {
            if (partial) {
                back();
            }
            for (Append append : batch) {
                complete(append, null, failure);
            }
        });
    }

    /** The partial batch on its way is answered: what became pending meanwhile goes now, as the next batch. */
    private void back() {
        List<Append> next;
        synchronized (this) {
            if (pending.isEmpty()) {
                partialOnItsWay = false;
                return;
            }
            next = take();
        }
        send(next, true);
    }

    private static void complete(Append append, StreamPosition position, Throwable failure) {
        if (append.thread() == null || append.thread() == Thread.currentThread()) {
            tell(append, position, failure);
        } else {
            append.context().runOnContext(ignored -> tell(append, position, failure));
        }
    }

    private static void tell(Append append, StreamPosition position, Throwable failure) {
        if (failure != null) {
            append.emitter().fail(failure);
        } else {
            append.emitter().complete(position);
        }
    }
}
