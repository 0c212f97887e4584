package io.chorus.hub;

import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.backplane.Backplane;
import io.chorus.backplane.Envelope;
import io.chorus.history.History;
import io.chorus.history.SharedReads;
import io.chorus.history.StreamName;
import io.chorus.presence.Members;
import io.chorus.presence.Presence;
import io.chorus.presence.PresenceListener;
import io.chorus.protocol.ServerFrames;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * Rooms: which local connections are in which room, the room's backplane subscription while it has a local member,
 * and the room's cluster-wide presence, with {@code member_joined}/{@code member_left} published to the room when a
 * user's first session arrives or its last one goes.
 */
@Singleton
public class RoomRegistry implements PresenceListener {

    private static final Logger LOG = Logger.getLogger(RoomRegistry.class);

    private final LocalGroups<Session> rooms;
    private final History history;
    private final Presence presence;
    private final Backplane backplane;
    private final int maxListed;
    private final long maxAnnounced;
    private final String replicaId;

    RoomRegistry(Backplane backplane, BackplaneTraffic traffic, Fanout fanout, Presence presence, History history,
            ChorusConfig config) {
        String prefix = config.channelPrefix() + "room:{";
        this.rooms = new LocalGroups<>(backplane, traffic, new ConnectionDelivery(fanout), room -> prefix + room + "}",
                StreamName::room,
                new SharedReads(history, config.history().pageSize(), config.history().maxRecovery(),
                        config.history().maxRecoveryBytes()),
                config.limits().joinTimeout());
        this.history = history;
        this.presence = presence;
        this.backplane = backplane;
        this.maxListed = config.presence().maxListed();
        this.maxAnnounced = config.presence().maxAnnounced();
        this.replicaId = config.replicaId();
        presence.listen(this);
        rooms.onRelive(this::resendMembers);
    }

    /**
     * The room's subscription is live again after the backplane was lost: presence events published meanwhile never
     * reached this replica (they keep no history), so its members that see presence get the room's current members,
     * pushed as a {@code members} without {@code ref}. Rooms past {@code max-announced} get nothing, as they get no
     * events; nor do rooms with more users than {@code max-listed} (a partial list would read as departures).
     */
    private void resendMembers(String room) {
        if (!rooms.anyMemberSeesPresence(room)) {
            return;
        }
        presence.members(room, maxListed).subscribe().with(members -> {
            if (announces(members.count()) && members.users().size() == members.count()) { // the whole list
                rooms.writePresence(room, ServerFrames.members(room, members.users(), null));
            }
        }, failure -> LOG.debugf("Members of %s not sent again after the backplane came back: %s", room, failure));
    }

    /** The backplane channel a room's messages and presence events travel on. */
    public String channelOf(String room) {
        return rooms.channelOf(room);
    }

    /**
     * Makes the session a member; {@code seesPresence} false keeps the room's presence events from it. Completes once the room's subscription is live — every message published to
     * the room afterwards reaches it — and, with {@code since}, once the messages it missed since then have been
     * sent after {@code answer}'s reply. Fails with a {@link TimeoutException} after
     * {@code chorus.limits.join-timeout}, leaving the session out of the room.
     */
    public Uni<Void> join(String room, Session session, String user, StreamPosition since,
            boolean seesPresence, JoinReply answer) {
        return join(room, session, user, null, since, seesPresence, answer).replaceWithVoid();
    }

    /**
     * As {@link #join(String, Session, String, StreamPosition, boolean, JoinReply)} without recovery, for
     * a member that says something about itself ({@code info}, a JSON text, or null): presence lists it, and the
     * room's {@code member_joined} carries it. A null {@code user} receives the room's messages without being present
     * in it (a Pusher subscriber of a public or private channel). The item is true when the user became a member (its
     * first session in the room, cluster-wide).
     */
    public Uni<Boolean> enter(String room, Session session, String user, String info, JoinReply answer) {
        return join(room, session, user, info, null, true, answer);
    }

    private Uni<Boolean> join(String room, Session session, String user, String info,
            StreamPosition since, boolean seesPresence, JoinReply answer) {
        // The presence record is written before the answer (beside the catch-up read), so whoever hears of the join,
        // on any replica, finds the member in the room's members; the member_joined announcement follows the answer.
        // A null user is in no presence.
        Uni<Presence.Change> recorded = Uni.createFrom()
                .deferred(() -> user != null && session.link().isOpen() ? recordPresence(room, session, user, info)
                        : Uni.createFrom().<Presence.Change> nullItem())
                .memoize().indefinitely();
        return rooms.add(room, session, since, seesPresence, () -> recorded.replaceWithVoid(), answer)
                .onFailure().invoke(() -> {
                    rooms.remove(room, session);
                    if (user != null) {
                        forgetPresence(room, session); // not awaited: the failure is answered at once
                    }
                })
                .chain(joined -> joined.added() ? recorded.chain(change -> announceEntry(room, user, info, change))
                        : Uni.createFrom().item(false));
    }

    /** Publishes a message to a room: appended to the room's history and published, atomically (RedisHistory: each message atomically, several pending ones in one script call). */
    public Uni<StreamPosition> publish(String room, Envelope message) {
        return history.publish(StreamName.room(room), channelOf(room), message);
    }

    /** Adds the session to the room's presence; null when that failed (the heartbeat records it later). */
    private Uni<Presence.Change> recordPresence(String room, Session session, String user, String info) {
        return presence.add(room, session.id(), user, info)
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("Presence of %s in %s not recorded yet (%s); the heartbeat will", user, room, failure);
                    return null;
                });
    }

    /** Takes back the presence record of a join that failed (whether or not it was made). */
    private void forgetPresence(String room, Session session) {
        presence.remove(room, session.id()).subscribe().with(ok -> {
        }, failure -> LOG.debugf("Presence of a failed join to %s not removed: %s", room, failure));
    }

    /** Tells the room of a user that became a member; true when it did (its first session there, cluster-wide). */
    private Uni<Boolean> announceEntry(String room, String user, String info, Presence.Change change) {
        if (change == null || change.user() == null) {
            return Uni.createFrom().item(false);
        }
        if (!announces(change.users())) {
            return Uni.createFrom().item(true);
        }
        return announce(room, ts -> ServerFrames.memberJoined(room, user, info, ts)).replaceWith(true)
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("member_joined of %s in %s not announced: %s", user, room, failure);
                    return true;
                });
    }

    /**
     * Ends the membership; completes when presence is updated (errors are logged: the heartbeat removes a presence
     * record whose removal failed).
     */
    public Uni<Void> leave(String room, Session session) {
        return exit(room, session).replaceWithVoid();
    }

    /**
     * As {@link #leave}; the item is the user that stopped being a member of the room (the session was its last
     * one in the room, cluster-wide), else null.
     */
    public Uni<String> exit(String room, Session session) {
        if (!rooms.remove(room, session)) {
            return Uni.createFrom().nullItem();
        }
        return presence.remove(room, session.id())
                .chain(change -> change.user() == null ? Uni.createFrom().<String> nullItem()
                        : !announces(change.users() + 1) ? Uni.createFrom().item(change.user())
                        : announce(room, ts -> ServerFrames.memberLeft(room, change.user(), ts))
                                .replaceWith(change.user()))
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("Presence of a session in %s not removed (%s); the heartbeat removes it", room, failure);
                    return null;
                });
    }

    /** Leaves every room the session is in (it closed). */
    public void leaveAll(Session session) {
        for (String room : rooms.groupsOf(session)) {
            leave(room, session).subscribe().with(ok -> {
            }, failure -> LOG.debugf("Leaving %s on close failed (the heartbeat removes its presence): %s", room, failure));
        }
    }

    public Uni<Members> members(String room) {
        return presence.members(room, maxListed);
    }

    /** How many rooms the session is in. */
    public int roomCountOf(Session session) {
        return rooms.groupsOf(session).size();
    }

    /** The rooms the session is in (an immutable snapshot: no copy needed). */
    public Set<String> roomsOf(Session session) {
        return rooms.groupsOf(session);
    }

    public boolean isIn(String room, Session session) {
        return rooms.groupsOf(session).contains(room);
    }

    /** Rooms with at least one member on this replica (each is one backplane subscription). */
    public int localRoomCount() {
        return rooms.size();
    }

    @Override
    public void joined(String scope, String user, long users) {
        if (hearsOf(scope, users)) {
            announceInBackground(scope, ts -> ServerFrames.memberJoined(scope, user, null, ts));
        }
    }

    @Override
    public void left(String scope, String user, long users) {
        if (hearsOf(scope, users)) {
            announceInBackground(scope, ts -> ServerFrames.memberLeft(scope, user, ts));
        }
    }

    /**
     * Whether a room of this many users hears its members come and go. Above {@code chorus.presence.max-announced}
     * it does not: in a room of N, every join pushed to everyone makes a join storm cost N² frames (members answers).
     */
    private boolean announces(long users) {
        return users <= maxAnnounced;
    }

    /**
     * Whether a presence change found by the heartbeat or a sweep is announced: rooms hear of it; scopes that are no
     * rooms (the online scope, and every other scope whose name starts with {@code @}, which no room name does) do
     * not, and nor do rooms above the announced size. Checked before the event is built.
     */
    private boolean hearsOf(String scope, long users) {
        return !scope.startsWith("@") && announces(users);
    }

    private void announceInBackground(String scope, LongFunction<String> event) {
        announce(scope, event).subscribe().with(ok -> {
        }, failure -> LOG.debugf("Presence event for %s not announced: %s", scope, failure));
    }

    /** Publishes a presence event (built with the time of now) to the room's members on every replica. */
    private Uni<Void> announce(String room, LongFunction<String> event) {
        long ts = System.currentTimeMillis();
        return backplane.publish(channelOf(room), Envelope.of(Envelope.Kind.PRESENCE, replicaId, ts, null, event.apply(ts))
                .encode())
                .onFailure().invoke(failure -> LOG.debugf("Presence event for %s not published: %s", room, failure));
    }
}
