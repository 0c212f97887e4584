package io.chorus.hub;

import java.time.Duration;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.backplane.Backplane;
import io.chorus.backplane.Envelope;
import io.chorus.backplane.Subscription;
import io.chorus.history.History;
import io.chorus.history.SharedReads;
import io.chorus.history.StreamName;
import io.chorus.protocol.StreamPosition;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * The one delivery path for broadcasts: subscribes this replica to the broadcast channel at startup (and keeps
 * the subscription until shutdown) and delivers every message that arrives, in arrival order, to every session
 * of this replica. Endpoints publish; only this bean delivers. The broadcast stream keeps history like a room, so a
 * reconnecting client can recover what it missed.
 */
@Startup
@Singleton
public class BroadcastSubscriber {

    private static final Logger LOG = Logger.getLogger(BroadcastSubscriber.class);

    private final LocalGroups<Session> everyone;
    private final History history;
    private final String channel;
    private final Duration joinTimeout;
    private final Subscription subscription;

    BroadcastSubscriber(Backplane backplane, BackplaneTraffic traffic, Fanout fanout, History history, ChorusConfig config) {
        this.channel = config.channel();
        this.joinTimeout = config.limits().joinTimeout();
        this.history = history;
        this.everyone = new LocalGroups<>(backplane, traffic, new ConnectionDelivery(fanout), name -> name, StreamName::broadcast,
                new SharedReads(history, config.history().pageSize(), config.history().maxRecovery(),
                        config.history().maxRecoveryBytes()),
                config.limits().joinTimeout());
        this.subscription = everyone.pin(channel);
    }

    /**
     * Starts delivering broadcasts to a new session. With {@code since}, it first gets what it missed since then;
     * {@code answer} runs just before those missed messages are written (to send the welcome that announces them).
     * When the backplane does not answer within {@code wait} (Redis is away), the session is served anyway: {@code answer}
     * runs without a position ({@code recovered: false} if recovery was asked), and live broadcasts flow once the
     * backplane is back.
     */
    public Uni<Void> add(Session session, StreamPosition since, Duration wait, JoinReply answer) {
        return everyone.addToStay(channel, session, since, wait, answer).replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("Connection %s served without broadcast recovery: %s", session.id(), failure.toString());
                    return null; // answered without a position: live broadcasts flow once the backplane is back
                });
    }

    public void remove(Session session) {
        everyone.remove(channel, session);
    }

    /** Publishes a message to everyone: appended to the broadcast history and published, atomically. */
    public Uni<StreamPosition> publish(Envelope message) {
        return history.publish(StreamName.broadcast(channel), channel, message);
    }

    /**
     * How long a new session should wait for the backplane: the join timeout while the broadcast subscription is
     * live, not at all while it is down (Redis is away: waiting would only delay the welcome).
     */
    public Duration waitForBackplane() {
        return subscription.isLive() ? joinTimeout : Duration.ofMillis(1);
    }

    /** The broadcast subscription, for the readiness check. */
    public Subscription subscription() {
        return subscription;
    }

    @PreDestroy
    void stop() {
        subscription.close();
    }
}
