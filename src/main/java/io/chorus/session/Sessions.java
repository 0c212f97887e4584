package io.chorus.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.auth.AuthenticationDeadline;
import io.chorus.auth.TokenExpiry;
import io.chorus.auth.UserIdentity;
import io.chorus.hub.BroadcastSubscriber;
import io.chorus.hub.Dialect;
import io.chorus.hub.IdleConnections;
import io.chorus.hub.JoinReply;
import io.chorus.hub.Link;
import io.chorus.hub.LocalConnections;
import io.chorus.hub.Permissions;
import io.chorus.hub.RoomRegistry;
import io.chorus.hub.Session;
import io.chorus.hub.UserRegistry;
import io.chorus.protocol.CloseCode;
import io.chorus.protocol.CloseCodes;
import io.chorus.protocol.StreamPosition;
import io.quarkus.websockets.next.HandshakeRequest;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/**
 * The lifecycle of a client session, the same for both endpoints: open, admit (or wait for the {@code auth} frame),
 * the limits, liveness, token refresh and close. The endpoints ({@code transport.ChatSocket} for {@code /ws},
 * {@code pusher.PusherSocket} for {@code /app/{key}}) only speak their protocol over it: every connection either
 * endpoint holds is counted here against {@code chorus.limits.max-connections}, atomically with its opening.
 */
@Singleton
public class Sessions {

    private static final Logger LOG = Logger.getLogger(Sessions.class);
    private static final CloseCode INVALID_USER = new CloseCode(1008, "invalid user id");
    private static final CloseCode INVALID_SINCE = new CloseCode(1008, "invalid since/epoch");

    /** What a {@code /ws} session is told when it is admitted: its user, and where broadcast delivery continues from. */
    public interface Welcome {
        void send(String user, Boolean recovered, StreamPosition position);
    }

    /** A refreshed token: its expiry, and the rooms its grant took the session out of. */
    public record Refreshed(long expires, List<String> removedFrom) {
    }

    private final ConnectionLimits limits;
    private final Admissions admissions;
    private final LocalConnections connections;
    private final IdleConnections idle;
    private final UserIdentity identity;
    private final TokenExpiry tokenExpiry;
    private final AuthenticationDeadline deadline;
    private final BroadcastSubscriber broadcast;
    private final UserRegistry users;
    private final RoomRegistry rooms;

    Sessions(ConnectionLimits limits, Admissions admissions, LocalConnections connections, IdleConnections idle, UserIdentity identity,
            TokenExpiry tokenExpiry, AuthenticationDeadline deadline, BroadcastSubscriber broadcast, UserRegistry users,
            RoomRegistry rooms) {
        this.limits = limits;
        this.admissions = admissions;
        this.connections = connections;
        this.idle = idle;
        this.identity = identity;
        this.tokenExpiry = tokenExpiry;
        this.deadline = deadline;
        this.broadcast = broadcast;
        this.users = users;
        this.rooms = rooms;
    }

    /** The session of a connection that just opened (its {@code @OnOpen}); what the upgrade learned is in it. */
    public Session open(WebSocketConnection connection) {
        Session session = WebSocketLink.of(connection);
        session.releaseUpgrade();
        idle.watch(session);
        return session;
    }

    /**
     * The session of a {@code /ws} connection that just opened: it counts against {@code chorus.limits.max-admitting}
     * until it is welcomed or closes ({@link Admissions}).
     */
    public Session openToAdmit(WebSocketConnection connection) {
        Session session = open(connection);
        admissions.begin(session);
        return session;
    }

    /** The session of a connection, for its later callbacks. */
    public Session of(WebSocketConnection connection) {
        return WebSocketLink.of(connection);
    }

    /** Something arrived from the session (a frame or a pong). */
    public void seen(Session session) {
        idle.seen(session);
    }

    /**
     * Opens a session of a dialect's endpoint (Pusher): counted against the replica's limit and registered; false
     * when the replica is full (the endpoint refuses it in its protocol).
     */
    public boolean openInDialect(Session session, Dialect dialect, Supplier<Object> endpointState) {
        session.dialect(dialect);
        if (!limits.count(session)) {
            return false;
        }
        session.endpointState(endpointState.get());
        connections.add(session);
        return true;
    }

    /** Whether a {@code /ws} session still has to send its token in an {@code auth} frame. */
    public boolean awaitsToken(Session session) {
        return identity.awaitsToken(session);
    }

    /**
     * A {@code /ws} session that came without a token: counted against the replica's limit (a crowd that never
     * authenticates holds no more than the limit allows), with {@code chorus.auth.handshake-timeout} to authenticate.
     * Answers the close reason when the replica is full, or null.
     */
    public CloseCode awaitToken(Session session) {
        if (!limits.count(session)) {
            return CloseCodes.REPLICA_FULL;
        }
        deadline.arm(session);
        return null;
    }

    /** Verifies the token of an {@code auth} frame; the item is the user id. */
    public Uni<String> authenticate(Session session, String token) {
        deadline.disarm(session);
        return identity.authenticate(session, token);
    }

    /**
     * Admits a {@code /ws} session: settles its user and permissions, counts it against the limits, registers it
     * (its user's direct-message channel, online presence, the broadcast group, starting from {@code since} when
     * recovering), calls {@code welcome} just before the broadcasts it missed are written, and finally lists it among
     * the open sessions (or, when it closed meanwhile, closes it here: its {@code @OnClose} may have run before). Then
     * it no longer counts as being admitted.
     */
    public Uni<Void> admit(Session session, Welcome welcome) {
        Link link = session.link();
        HandshakeRequest upgrade = WebSocketLink.handshakeOf(session);
        var user = identity.identify(session, upgrade);
        if (user.isEmpty()) {
            return link.close(INVALID_USER);
        }
        var since = Resumption.since(upgrade.query());
        if (since.isEmpty()) {
            return link.close(INVALID_SINCE);
        }
        CloseCode overLimit = limits.countUser(session, user.get());
        if (overLimit != null) {
            return link.close(overLimit);
        }
        session.user(user.get());
        tokenExpiry.watch(session);
        Duration wait = broadcast.waitForBackplane();
        JoinReply answer = (recovered, position) -> welcome.send(user.get(), recovered, position);
        return users.connect(session, user.get(), wait)
                .chain(() -> broadcast.add(session, since.get().orElse(null), wait, answer))
                .onTermination().invoke(() -> {
                    admissions.end(session);
                    if (link.isOpen()) {
                        connections.add(session);
                    } else {
                        close(session);
                    }
                });
    }

    /**
     * Replaces a {@code /ws} session's token with a fresh one for the same user: from now on its grant decides, and
     * the session leaves every room the new grant no longer lets it be in, or no longer lets it see the presence of
     * (it may join again, without presence). Fails with the reason the token was refused.
     */
    public Uni<Refreshed> refresh(Session session, String token) {
        String user = session.user();
        return tokenExpiry.refresh(session, user, token).chain(verified -> {
            Permissions before = identity.regrant(session, user, verified.grant());
            Permissions now = session.permissions();
            List<String> removed = new ArrayList<>();
            Uni<Void> done = Uni.createFrom().voidItem();
            for (String room : rooms.roomsOf(session)) {
                if (!now.mayJoin(room) || (before.maySeePresence(room) && !now.maySeePresence(room))) {
                    removed.add(room);
                    done = done.chain(() -> rooms.leave(room, session));
                }
            }
            return done.replaceWith(new Refreshed(verified.expires(), removed));
        });
    }

    /**
     * A session closed (its {@code @OnClose}, or its admission ended after it closed): it stops counting and stops
     * being watched, and leaves the broadcast group, its rooms and presence. Safe to call more than once.
     */
    public void close(Session session) {
        deadline.disarm(session);
        tokenExpiry.forget(session);
        connections.remove(session);
        limits.uncount(session);
        admissions.end(session);
        if (session.dialect() != null) {
            return; // the dialect's endpoint leaves its own subscriptions
        }
        broadcast.remove(session);
        String user = session.user();
        if (user != null) {
            rooms.leaveAll(session);
            users.disconnect(session, user);
        }
        LOG.tracef("Session %s closed", session.id());
    }
}
