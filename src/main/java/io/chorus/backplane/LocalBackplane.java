package io.chorus.backplane;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;

/**
 * The embedded, in-process backplane: a single replica with nothing else installed. Messages stay inside this
 * JVM, so two replicas on it do not see each other (the seed's scenario 2).
 */
public final class LocalBackplane implements Backplane {

    private static final Logger LOG = Logger.getLogger(LocalBackplane.class);

    private final Map<String, List<LocalSubscription>> subscribers = new ConcurrentHashMap<>();

    @Override
    public String description() {
        return "embedded in-process backplane (single replica; set quarkus.redis.hosts to join a cluster)";
    }

    /** Serialised so that every subscriber sees all channels' messages in one order, as Redis gives. */
    @Override
    public synchronized Uni<Void> publish(String channel, String message) {
        for (LocalSubscription s : subscribers.getOrDefault(channel, List.of())) {
            try {
                s.consumer.accept(message);
            } catch (RuntimeException e) {
                LOG.errorf(e, "A subscriber of %s failed; the others still received the message", channel);
            }
        }
        return Uni.createFrom().voidItem();
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> consumer) {
        LocalSubscription subscription = new LocalSubscription(channel, consumer);
        subscribers.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(subscription);
        return subscription;
    }

    private final class LocalSubscription implements Subscription {
        final String channel;
        final Consumer<String> consumer;

        LocalSubscription(String channel, Consumer<String> consumer) {
            this.channel = channel;
            this.consumer = consumer;
        }

        @Override
        public boolean isLive() {
            return subscribers.getOrDefault(channel, List.of()).contains(this);
        }

        @Override
        public String downReason() {
            return isLive() ? "" : "closed";
        }

        @Override
        public void close() {
            subscribers.computeIfPresent(channel, (c, list) -> {
                list.remove(this);
                return list.isEmpty() ? null : list;
            });
        }
    }
}
