package io.chorus.backplane;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.smallrye.mutiny.Uni;

/** The state both backplanes keep for one subscription: its consumer, whether it is live, and why not. */
abstract class ChannelSubscription implements Subscription {

    private final String channel;
    private final Consumer<String> consumer;
    private volatile boolean live;
    private volatile boolean closed;
    private volatile String downReason = "not subscribed yet";
    private volatile CompletableFuture<Void> nextLive = new CompletableFuture<>();
    private final List<Runnable> reliveActions = new CopyOnWriteArrayList<>();
    private boolean wasLive;

    ChannelSubscription(String channel, Consumer<String> consumer) {
        this.channel = channel;
        this.consumer = consumer;
    }

    @Override
    public String channel() {
        return channel;
    }

    void deliver(String message) {
        if (!closed) {
            consumer.accept(message);
        }
    }

    void markLive() {
        boolean relived;
        CompletableFuture<Void> becameLive;
        synchronized (this) {
            if (closed || live) {
                return;
            }
            live = true;
            downReason = "";
            becameLive = nextLive;
            relived = wasLive;
            wasLive = true;
        }
        becameLive.complete(null); // outside the lock: what waited for it (a join) runs on
        if (relived) {
            reliveActions.forEach(Runnable::run);
        }
    }

    @Override
    public void onRelive(Runnable action) {
        reliveActions.add(action);
    }

    synchronized void markDown(String reason) {
        if (closed) {
            return;
        }
        live = false;
        downReason = reason;
        if (nextLive.isDone()) {
            nextLive = new CompletableFuture<>();
        }
    }

    /**
     * Marks the subscription closed; returns false if it already was. What waits for it to be live (a join) fails,
     * outside this lock and its caller's: it runs on in this thread, and may take the hub's locks.
     */
    boolean markClosed() {
        CompletableFuture<Void> waiting;
        IllegalStateException closedFailure;
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            live = false;
            downReason = "closed";
            closedFailure = new IllegalStateException("subscription to " + channel + " closed");
            waiting = nextLive;
            if (waiting.isDone()) {
                nextLive = CompletableFuture.failedFuture(closedFailure);
            }
        }
        waiting.completeExceptionally(closedFailure);
        return true;
    }

    @Override
    public boolean isLive() {
        return live;
    }

    @Override
    public String downReason() {
        return downReason;
    }

    @Override
    public Uni<Void> whenLive() {
        CompletableFuture<Void> future = nextLive;
        return Uni.createFrom().completionStage(future);
    }
}
