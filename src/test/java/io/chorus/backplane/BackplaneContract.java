package io.chorus.backplane;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Backplane} must do, whatever carries the messages. Each implementation's test extends this class
 * and says how to get the backplane of one more replica.
 */
abstract class BackplaneContract {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final List<Subscription> subscriptions = new ArrayList<>();

    /** The backplane of one more replica; replicas made by one test class share one medium. */
    abstract Backplane replica();

    /** Releases what {@link #replica()} made, after each test. */
    void closeReplicas() {
    }

    @AfterEach
    void closeSubscriptions() {
        subscriptions.forEach(Subscription::close);
        closeReplicas();
    }

    @Test
    void secondSubscriptionToTheSameChannelOnOneReplicaIsRefused() {
        String channel = channel();
        Backplane replica = replica();
        subscribe(replica, channel);
        assertThrows(IllegalStateException.class, () -> replica.subscribe(channel, m -> {
        }));
    }

    @Test
    void channelSubscribedAgainRightAfterCloseReceivesWhatIsPublishedOnceLive() throws InterruptedException {
        String channel = channel();
        Backplane replica = replica();
        for (int round = 0; round < 20; round++) {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            Subscription subscription = replica.subscribe(channel, received::add);
            subscription.whenLive().await().atMost(TIMEOUT);
            replica.publish(channel, "round-" + round).await().atMost(TIMEOUT);
            assertEquals("round-" + round, received.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            subscription.close();
        }
    }

    @Test
    void whenLiveFailsOnceTheSubscriptionIsClosed() {
        Subscription subscription = replica().subscribe(channel(), m -> {
        });
        subscription.close();
        assertThrows(RuntimeException.class, () -> subscription.whenLive().await().atMost(TIMEOUT));
    }

    @Test
    void messageReachesEverySubscriberOnEveryReplicaExactlyOnce() throws InterruptedException {
        String channel = channel();
        Backplane a = replica();
        Backplane b = replica();
        BlockingQueue<String> onA = subscribe(a, channel);
        BlockingQueue<String> onB = subscribe(b, channel);

        a.publish(channel, "from-a").await().atMost(TIMEOUT);

        assertEquals("from-a", onA.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertEquals("from-a", onB.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(null, onA.poll(300, TimeUnit.MILLISECONDS), "no second delivery");
        assertEquals(null, onB.poll(10, TimeUnit.MILLISECONDS), "no second delivery");
    }

    @Test
    void subscribersSeeMessagesInPublishOrder() throws InterruptedException {
        String channel = channel();
        Backplane publisher = replica();
        BlockingQueue<String> received = subscribe(replica(), channel);
        for (int i = 0; i < 500; i++) {
            publisher.publish(channel, "m" + i).await().atMost(TIMEOUT);
        }
        for (int i = 0; i < 500; i++) {
            assertEquals("m" + i, received.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @Test
    void everySubscriberSeesConcurrentPublishersInOneOrder() throws InterruptedException {
        String channel = channel();
        Backplane a = replica();
        Backplane b = replica();
        BlockingQueue<String> onA = subscribe(a, channel);
        BlockingQueue<String> onB = subscribe(b, channel);
        IntStream.range(0, 200).parallel().forEach(i -> (i % 2 == 0 ? a : b).publish(channel, "m" + i)
                .await().atMost(TIMEOUT));
        List<String> seenByA = new ArrayList<>();
        List<String> seenByB = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            seenByA.add(onA.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            seenByB.add(onB.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        }
        assertEquals(seenByA, seenByB);
        assertEquals(200, seenByA.stream().distinct().count());
    }

    @Test
    void messageOnOneChannelDoesNotReachAnother() throws InterruptedException {
        String mine = channel();
        String other = channel();
        Backplane replica = replica();
        BlockingQueue<String> received = subscribe(replica, mine);
        replica.publish(other, "elsewhere").await().atMost(TIMEOUT);
        replica.publish(mine, "here").await().atMost(TIMEOUT);
        assertEquals("here", received.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(null, received.poll(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void closedSubscriptionReceivesNothingMoreAndIsNotLive() throws InterruptedException {
        String channel = channel();
        Backplane replica = replica();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        Subscription subscription = replica.subscribe(channel, received::add);
        await().atMost(TIMEOUT).until(subscription::isLive);
        subscription.close();
        assertFalse(subscription.isLive());
        assertFalse(subscription.downReason().isEmpty());
        replica.publish(channel, "too late").await().atMost(TIMEOUT);
        assertEquals(null, received.poll(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void liveSubscriptionHasNoDownReason() {
        Subscription subscription = replica().subscribe(channel(), m -> {
        });
        subscriptions.add(subscription);
        await().atMost(TIMEOUT).until(subscription::isLive);
        assertTrue(subscription.downReason().isEmpty());
    }

    @Test
    void publishingToAChannelNobodySubscribesSucceeds() {
        replica().publish(channel(), "into the void").await().atMost(TIMEOUT);
    }

    private BlockingQueue<String> subscribe(Backplane backplane, String channel) {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        Subscription subscription = backplane.subscribe(channel, received::add);
        subscriptions.add(subscription);
        await().atMost(TIMEOUT).until(subscription::isLive);
        return received;
    }

    private static String channel() {
        return "contract-" + UUID.randomUUID();
    }
}
