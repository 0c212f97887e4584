package io.chorus.backplane;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

/** The medium of the embedded backplane: channels and their receivers, inside one JVM. */
public final class LocalBroker {

    private static final Logger LOG = Logger.getLogger(LocalBroker.class);

    interface Receiver {
        String channel();

        void receive(String message);
    }

    private final Map<String, List<Receiver>> receivers = new ConcurrentHashMap<>();
    private final Executor delivery;

    /** A broker delivering on the publisher's thread (tests). */
    public LocalBroker() {
        this(Runnable::run);
    }

    /**
     * A broker delivering through one serial executor (a Vert.x context in the server): every receiver gets all
     * messages in one order, and all writes to a connection come from one thread, as with Redis.
     */
    public LocalBroker(Executor delivery) {
        this.delivery = delivery;
    }

    /** Serialised, so every receiver sees all messages in one order. */
    synchronized void publish(String channel, String message) {
        delivery.execute(() -> {
            for (Receiver receiver : receivers.getOrDefault(channel, List.of())) {
                try {
                    receiver.receive(message);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "A receiver on %s failed; the others still got the message", channel);
                }
            }
        });
    }

    void add(Receiver receiver) {
        receivers.computeIfAbsent(receiver.channel(), c -> new CopyOnWriteArrayList<>()).add(receiver);
    }

    void remove(Receiver receiver) {
        receivers.computeIfPresent(receiver.channel(), (c, list) -> {
            list.remove(receiver);
            return list.isEmpty() ? null : list;
        });
    }
}
