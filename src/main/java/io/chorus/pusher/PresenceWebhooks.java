package io.chorus.pusher;

import jakarta.inject.Singleton;

import io.chorus.presence.Presence;
import io.chorus.presence.PresenceListener;
import io.quarkus.runtime.Startup;

/**
 * Webhooks for presence changes found in the background rather than caused by a subscribe or unsubscribe here: the
 * subscriptions of a replica that died expire (channel_vacated, member_removed), or come back after Redis lost them
 * (channel_occupied, member_added). The replica whose sweep found the change sends it, once.
 */
@Startup
@Singleton
class PresenceWebhooks implements PresenceListener {

    private final PusherApps apps;
    private final Webhooks webhooks;

    PresenceWebhooks(Presence presence, PusherApps apps, Webhooks webhooks) {
        this.apps = apps;
        this.webhooks = webhooks;
        presence.listen(this);
    }

    @Override
    public void joined(String scope, String user, long users) {
        String indexed = ChannelIndex.appIdOf(scope);
        if (indexed != null) {
            apps.byId(indexed).ifPresent(app -> webhooks.channelOccupied(app, user));
            return;
        }
        String channel = PusherApp.channelOf(scope);
        if (!scope.startsWith("@") && ChannelName.isPresence(channel)) {
            apps.ofRoom(scope).ifPresent(app -> webhooks.memberAdded(app, channel, user));
        }
    }

    @Override
    public void left(String scope, String user, long users) {
        String indexed = ChannelIndex.appIdOf(scope);
        if (indexed != null) {
            apps.byId(indexed).ifPresent(app -> webhooks.channelVacated(app, user));
            return;
        }
        String channel = PusherApp.channelOf(scope);
        if (!scope.startsWith("@") && ChannelName.isPresence(channel)) {
            apps.ofRoom(scope).ifPresent(app -> webhooks.memberRemoved(app, channel, user));
        }
    }
}
