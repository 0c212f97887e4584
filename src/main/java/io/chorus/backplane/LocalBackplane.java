package io.chorus.backplane;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.smallrye.mutiny.Uni;

/**
 * The embedded, in-process backplane. Each replica has its own {@code LocalBackplane}; replicas that share a
 * {@link LocalBroker} hear each other, and nothing leaves the JVM. A replica with nothing else installed gets a
 * broker of its own, so two such replicas do not see each other (the seed's scenario 2).
 */
public final class LocalBackplane implements Backplane {

    private final LocalBroker broker;
    private final Map<String, LocalSubscription> subscriptions = new ConcurrentHashMap<>();

    public LocalBackplane() {
        this(new LocalBroker());
    }

    public LocalBackplane(LocalBroker broker) {
        this.broker = broker;
    }

    @Override
    public String description() {
        return "embedded in-process backplane (single replica; set quarkus.redis.hosts to join a cluster)";
    }

    @Override
    public Uni<Void> publish(String channel, String message) {
        broker.publish(channel, message);
        return Uni.createFrom().voidItem();
    }

    @Override
    public Subscription subscribe(String channel, Consumer<String> consumer) {
        LocalSubscription subscription = new LocalSubscription(channel, consumer);
        if (subscriptions.putIfAbsent(channel, subscription) != null) {
            throw new IllegalStateException("already subscribed to " + channel);
        }
        broker.add(subscription);
        subscription.markLive();
        return subscription;
    }

    private final class LocalSubscription extends ChannelSubscription implements LocalBroker.Receiver {
        LocalSubscription(String channel, Consumer<String> consumer) {
            super(channel, consumer);
        }

        @Override
        public void receive(String message) {
            deliver(message);
        }

        @Override
        public void close() {
            if (markClosed()) {
                broker.remove(this);
                subscriptions.remove(channel(), this);
            }
        }
    }
}
