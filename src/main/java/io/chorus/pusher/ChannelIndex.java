package io.chorus.pusher;

import java.util.List;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.presence.Presence;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/**
 * Which channels of an app are occupied — have at least one subscriber anywhere in the cluster — kept in the
 * cluster-wide presence: in scope {@code @pusher:<app id>} each subscription is a connection whose "user" is the
 * channel. So a channel becomes occupied with its first subscription and vacated with its last, exactly once across
 * the cluster, and the subscriptions of a replica that died expire with its presence (docs/pusher.md). Scopes
 * starting with {@code @} are no rooms, so nobody hears of them as members.
 */
@Singleton
public class ChannelIndex {

    private static final Logger LOG = Logger.getLogger(ChannelIndex.class);
    static final String SCOPE_PREFIX = "@pusher:";
    /** Most channels one listing reads. */
    static final int MAX_LISTED = 10_000;

    private final Presence presence;
    private final Webhooks webhooks;

    ChannelIndex(Presence presence, Webhooks webhooks) {
        this.presence = presence;
        this.webhooks = webhooks;
    }

    static String scopeOf(PusherApp app) {
        return SCOPE_PREFIX + app.id();
    }

    /** The app id of an index scope, or null when the scope is not one. */
    static String appIdOf(String scope) {
        return scope.startsWith(SCOPE_PREFIX) ? scope.substring(SCOPE_PREFIX.length()) : null;
    }

    void subscribed(PusherApp app, String channel, WebSocketConnection connection) {
        presence.add(scopeOf(app), entry(connection, channel), channel).subscribe().with(change -> {
            if (change.user() != null) {
                webhooks.channelOccupied(app, channel);
            }
        }, failure -> LOG.debugf("Occupancy of %s not recorded yet (%s); the heartbeat will", channel, failure));
    }

    void unsubscribed(PusherApp app, String channel, WebSocketConnection connection) {
        presence.remove(scopeOf(app), entry(connection, channel)).subscribe().with(change -> {
            if (change.user() != null) {
                webhooks.channelVacated(app, channel);
            }
        }, failure -> LOG.debugf("Occupancy of %s not removed (%s); the heartbeat removes it", channel, failure));
    }

    /** The app's occupied channels, cluster-wide (at most {@link #MAX_LISTED}). */
    Uni<List<String>> occupied(PusherApp app) {
        return presence.members(scopeOf(app), MAX_LISTED).map(members -> members.users());
    }

    private static String entry(WebSocketConnection connection, String channel) {
        return connection.id() + "|" + channel;
    }
}
