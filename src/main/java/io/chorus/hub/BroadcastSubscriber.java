package io.chorus.hub;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.backplane.Backplane;
import io.chorus.backplane.Subscription;
import io.chorus.protocol.ServerFrames;
import io.quarkus.runtime.Startup;

/**
 * The one delivery path: subscribes this replica to the broadcast channel at startup and hands every message that
 * arrives, in arrival order, to all local connections. Endpoints publish; only this bean delivers.
 */
@Startup
@Singleton
public class BroadcastSubscriber {

    private static final Logger LOG = Logger.getLogger(BroadcastSubscriber.class);

    private final LocalConnections connections;
    private final BackplaneTraffic traffic;
    private final Subscription subscription;

    BroadcastSubscriber(Backplane backplane, LocalConnections connections, BackplaneTraffic traffic,
            ChorusConfig config) {
        this.connections = connections;
        this.traffic = traffic;
        this.subscription = backplane.subscribe(config.channel(), this::onMessage);
    }

    private void onMessage(String text) {
        traffic.received();
        if (ServerFrames.isDeliverable(text)) {
            connections.deliver(text);
        } else {
            LOG.warnf("Ignored a backplane message that is not a v%d event (%d chars)",
                    ServerFrames.VERSION, text.length());
        }
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
