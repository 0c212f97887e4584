package io.chorus.hub;

import java.time.Duration;
import java.util.Set;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.backplane.Backplane;
import io.chorus.backplane.Envelope;
import io.chorus.presence.Members;
import io.chorus.presence.Presence;
import io.chorus.protocol.CloseCodes;
import io.chorus.protocol.ServerFrames;
import io.smallrye.mutiny.Uni;

/**
 * Users: the local connections of each user, on the user's own backplane channel (for direct messages, subscribed
 * while the user has a session here), and who is online across the cluster.
 */
@Singleton
public class UserRegistry {

    /** The presence scope of everyone connected. Not a valid room name, so it never collides with a room. */
    static final String ONLINE = "@online";

    private static final Logger LOG = Logger.getLogger(UserRegistry.class);

    private final LocalGroups<Session> users;
    private final Presence presence;
    private final Backplane backplane;
    private final int maxListed;
    private final String replicaId;

    UserRegistry(Backplane backplane, BackplaneTraffic traffic, Fanout fanout, Presence presence, ChorusConfig config) {
        String prefix = config.channelPrefix() + "user:{";
        this.users = new LocalGroups<>(backplane, traffic, new ConnectionDelivery(fanout), user -> prefix + user + "}",
                config.limits().joinTimeout(), UserRegistry::disconnectOrder);
        this.backplane = backplane;
        this.presence = presence;
        this.maxListed = config.presence().maxListed();
        this.replicaId = config.replicaId();
    }

    /** The backplane channel a user's direct messages travel on. */
    public String channelOf(String user) {
        return users.channelOf(user);
    }

    /**
     * Registers a new session of the user. Completes once direct messages to the user reach it and the session is in
     * the online presence (so whoever hears of it, on any replica, finds its user online), or after {@code wait} if
     * the backplane is away or either write failed (they then heal by themselves); it never fails.
     */
    public Uni<Void> connect(Session session, String user, Duration wait) {
        Uni<Void> online = presence.add(ONLINE, session.id(), user).replaceWithVoid()
                .ifNoItem().after(wait).fail()
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("Online presence of %s not recorded yet: %s", user, failure.toString());
                    return null;
                });
        Uni<Void> subscribed = users.add(user, session, null, wait, (recovered, position) -> {
        }).replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    // the session is served anyway: its channel's subscription heals by itself, and failing here
                    // would close a connection being admitted for a fault of the replica's, not the client's
                    LOG.debugf("Direct messages to %s are not subscribed yet (%s); continuing", user, failure.toString());
                    return null;
                });
        return Uni.combine().all().unis(online, subscribed).discardItems();
    }

    public void disconnect(Session session, String user) {
        users.remove(user, session);
        presence.remove(ONLINE, session.id()).subscribe().with(ok -> {
        }, failure -> LOG.debugf("Online presence of %s not removed (%s); the heartbeat removes it", user, failure));
    }

    /**
     * Closes every session of the user, on every replica, with 4005: the order travels on the user's channel, so
     * only replicas where the user is connected receive it. Completes once Redis accepted it.
     */
    public Uni<Void> disconnectEverywhere(String user) {
        return backplane.publish(channelOf(user), Envelope.of(Envelope.Kind.DISCONNECT, replicaId,
                System.currentTimeMillis(), null, ServerFrames.disconnect(user)).encode());
    }

    private static boolean disconnectOrder(Set<Session> sessions, Envelope message) {
        if (message.kind() != Envelope.Kind.DISCONNECT) {
            return false;
        }
        for (Session session : sessions) {
            session.link().close(CloseCodes.DISCONNECTED).subscribe().with(ok -> {
            }, failure -> LOG.debugf("Closing %s for a disconnect order failed: %s", session.id(), failure));
        }
        return true;
    }

    public Uni<Members> online() {
        return presence.members(ONLINE, maxListed);
    }
}
