package io.chorus.transport;

import java.time.Duration;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.auth.AuthenticationDeadline;
import io.chorus.auth.Grant;
import io.chorus.auth.Permissions;
import io.chorus.auth.TokenExpiry;
import io.chorus.auth.UserIdentity;
import io.chorus.history.RecentHistory;
import io.chorus.hub.BroadcastSubscriber;
import io.chorus.hub.ClientFrame;
import io.chorus.hub.IdleConnections;
import io.chorus.hub.JoinReply;
import io.chorus.hub.LocalConnections;
import io.chorus.hub.Publisher;
import io.chorus.hub.RoomRegistry;
import io.chorus.hub.UserRegistry;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.protocol.ClientCommand;
import io.chorus.protocol.ClientFrameParser;
import io.chorus.protocol.CloseCodes;
import io.chorus.protocol.ErrorCode;
import io.chorus.protocol.ProtocolException;
import io.chorus.protocol.ReservedEvents;
import io.chorus.protocol.ServerFrames;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

/**
 * The client endpoint, {@code /ws}, speaking the protocol of docs/protocol.md. It hands each message to the
 * backplane exactly once ({@link Publisher}) and never delivers locally itself: delivery, here as everywhere, comes back through the
 * backplane subscription ({@link io.chorus.hub.BroadcastSubscriber}).
 */
@WebSocket(path = "/ws", endpointId = ChatSocket.ENDPOINT_ID)
public class ChatSocket {

    public static final String ENDPOINT_ID = "chorus";

    static final TypedKey<String> USER = TypedKey.forString("chorus.user");

    private static final Logger LOG = Logger.getLogger(ChatSocket.class);
    /** Messages a {@code history} without {@code limit} returns. */
    private static final int DEFAULT_HISTORY = 50;
    private static final CloseReason INVALID_USER = new CloseReason(1008, "invalid user id");
    private static final CloseReason INVALID_SINCE = new CloseReason(1008, "invalid since/epoch");

    private final BroadcastSubscriber broadcast;
    private final LocalConnections connections;
    private final RoomRegistry rooms;
    private final UserRegistry users;
    private final UserIdentity identity;
    private final Publisher publisher;
    private final ChorusMeters meters;
    private final CommandBudget budget;
    private final ConnectionLimits limits;
    private final int maxRooms;
    private final int maxReplyBytes;
    private final IdleConnections idle;
    private final TokenExpiry tokenExpiry;
    private final AuthenticationDeadline deadline;
    private final ConnectionFailures failures;
    private final RecentHistory history;
    private final ClientFrameParser parser;
    private final String replicaId;

    ChatSocket(Publisher publisher, BroadcastSubscriber broadcast, LocalConnections connections, RoomRegistry rooms,
            UserRegistry users, UserIdentity identity, ChorusMeters meters, CommandBudget budget,
            ConnectionLimits limits, IdleConnections idle, TokenExpiry tokenExpiry, AuthenticationDeadline deadline,
            ConnectionFailures failures, RecentHistory history, ChorusConfig config) {
        this.history = history;
        this.deadline = deadline;
        this.failures = failures;
        this.idle = idle;
        this.tokenExpiry = tokenExpiry;
        this.meters = meters;
        this.budget = budget;
        this.limits = limits;
        this.maxRooms = config.limits().maxRoomsPerConnection();
        this.maxReplyBytes = config.limits().maxReplyBytes();
        this.broadcast = broadcast;
        this.connections = connections;
        this.rooms = rooms;
        this.users = users;
        this.identity = identity;
        this.publisher = publisher;
        this.parser = new ClientFrameParser(config.limits().maxJsonDepth());
        this.replicaId = config.replicaId();
    }

    /**
     * Admits a connection that brought its identity (a token in the URL, or anonymous mode); one that did not gets
     * {@code chorus.auth.handshake-timeout} to send an {@code auth} frame.
     */
    @OnOpen
    Uni<Void> onOpen(WebSocketConnection connection) {
        ChannelCapture.releaseUpgradeHeaders(connection);
        idle.seen(connection);
        if (identity.awaitsToken(connection)) {
            CloseReason full = limits.awaiting(connection);
            if (full != null) {
                return connection.close(full);
            }
            deadline.arm(connection);
            return Uni.createFrom().voidItem();
        }
        return admit(connection);
    }

    /**
     * Registers the connection (its user's direct-message channel, online presence, the broadcast group), sends
     * {@code welcome}, then — when the client asked to recover from a broadcast position ({@code since} and
     * {@code epoch} query parameters) — the broadcasts it missed, then live ones.
     */
    private Uni<Void> admit(WebSocketConnection connection) {
        var user = identity.identify(connection);
        if (user.isEmpty()) {
            return connection.close(INVALID_USER);
        }
        var since = Resumption.since(connection.handshakeRequest().query());
        if (since.isEmpty()) {
            return connection.close(INVALID_SINCE);
        }
        CloseReason overLimit = limits.opened(connection, user.get());
        if (overLimit != null) {
            return connection.close(overLimit);
        }
        connection.userData().put(USER, user.get());
        tokenExpiry.watch(connection);
        Duration wait = broadcast.waitForBackplane();
        return users.connect(connection, user.get(), wait)
                .chain(() -> broadcast.add(connection, since.get().orElse(null), wait, (recovered, position) -> connection
                        .sendText(ServerFrames.welcome(replicaId, connection.id(), user.get(), recovered, position))
                        .subscribe().with(ok -> {
                        }, failure -> LOG.debugf("welcome not sent to %s: %s", connection.id(), failure))))
                .onTermination().invoke(() -> {
                    if (connection.isOpen()) {
                        connections.add(connection);
                    } else {
                        onClose(connection); // closed while opening: @OnClose may have run before registration ended
                    }
                });
    }

    /**
     * Hands a text message to {@link #onText}, counted against the connection's inbound bound until it is handled
     * ({@link InboundMessages}); a message still queued when its connection closed is dropped.
     */
    @OnTextMessage
    Uni<Void> onTextMessage(String text, WebSocketConnection connection) {
        return InboundMessages.handling(connection,
                () -> connection.isOpen() ? onText(text, connection) : Uni.createFrom().voidItem());
    }

    Uni<Void> onText(String text, WebSocketConnection connection) {
        idle.seen(connection);
        String user = connection.userData().get(USER);
        ClientCommand command;
        try {
            command = parser.parse(text);
        } catch (ProtocolException e) {
            if (user == null) {
                meters.refused(Refusal.AUTHENTICATION);
                return connection.close(CloseCodes.NOT_AUTHENTICATED);
            }
            return connection.sendText(ServerFrames.error(e.code(), e.getMessage(), e.ref()));
        }
        if (user == null) {
            return authenticate(command, connection);
        }
        if (!budget.tryPay(connection, costOf(command))) {
            meters.rateLimited();
            return connection.sendText(ServerFrames.error(ErrorCode.RATE_LIMITED,
                    "too many commands: this one was dropped", command.ref()));
        }
        String refusal = identity.permissionsOf(connection).refusal(command);
        if (refusal == null) {
            refusal = reservedEventOf(command);
        }
        if (refusal != null) {
            meters.refused(Refusal.FORBIDDEN);
            return connection.sendText(ServerFrames.error(ErrorCode.FORBIDDEN, refusal, command.ref()));
        }
        if (command instanceof ClientCommand.Join join && rooms.roomCountOf(connection) >= maxRooms
                && !rooms.isIn(join.room(), connection)) {
            meters.refused(Refusal.ROOMS_PER_CONNECTION);
            return connection.sendText(ServerFrames.error(ErrorCode.TOO_MANY_ROOMS,
                    "already in " + maxRooms + " rooms", join.ref()));
        }
        if (command instanceof ClientCommand.Publish publish) {
            String room = publish.room();
            if (room == null) {
                meters.broadcastPublished();
            } else {
                meters.roomMessagePublished();
            }
            return acknowledge(connection, publish.ref(), room == null ? publisher.toEveryone(user, publish.payload())
                    : publisher.toRoom(room, user, publish.payload()));
        } else if (command instanceof ClientCommand.Direct direct) {
            meters.directMessagePublished();
            return acknowledge(connection, direct.ref(), publisher.toUser(direct.to(), user, direct.payload()));
        } else if (command instanceof ClientCommand.Join join) {
            JoinReply reply = (recovered, position) -> connection
                    .sendText(ServerFrames.joined(join.room(), join.ref(), recovered, position))
                    .subscribe().with(ok -> {
                    }, failure -> LOG.debugf("joined not sent to %s: %s", connection.id(), failure));
            return rooms.join(join.room(), connection, user, join.since(),
                    identity.permissionsOf(connection).maySeePresence(join.room()), reply)
                    .onFailure().recoverWithUni(failure -> connection.sendText(ServerFrames.error(
                            ErrorCode.BACKPLANE_UNAVAILABLE, "could not join " + join.room() + ": the backplane is unavailable",
                            join.ref())));
        } else if (command instanceof ClientCommand.Leave leave) {
            return rooms.leave(leave.room(), connection)
                    .chain(() -> connection.sendText(ServerFrames.left(leave.room(), leave.ref())));
        } else if (command instanceof ClientCommand.ListMembers list) {
            return answer(connection, list.ref(), "presence", rooms.members(list.room())
                    .map(members -> ServerFrames.members(list.room(), members.users(), list.ref())));
        } else if (command instanceof ClientCommand.Refresh refresh) {
            return tokenExpiry.refresh(connection, user, refresh.token()).onItemOrFailure().transformToUni(
                    (verified, failure) -> failure != null
                            ? connection.sendText(ServerFrames.error(ErrorCode.INVALID_TOKEN, failure.getMessage(), refresh.ref()))
                            : regrant(connection, user, verified.grant())
                                    .chain(() -> connection.sendText(ServerFrames.refreshed(verified.expires(), refresh.ref()))));
        } else if (command instanceof ClientCommand.ListOnline list) {
            return answer(connection, list.ref(), "presence", users.online()
                    .map(online -> ServerFrames.online(online.count(), online.users(), list.ref())));
        } else if (command instanceof ClientCommand.History read) {
            int limit = read.limit() == 0 ? DEFAULT_HISTORY : read.limit();
            return answer(connection, read.ref(), "history", history.read(history.streamOf(read.room()), read.since(), limit)
                    .map(page -> ServerFrames.history(read.room(), page.recoverable(), page.top(),
                            ReplyBytes.fit(ClientFrame.of(page.messages()), maxReplyBytes, read.since() != null), read.ref())));
        } else if (command instanceof ClientCommand.Authenticate auth) {
            return connection.sendText(ServerFrames.error(ErrorCode.ALREADY_AUTHENTICATED,
                    "this connection is already authenticated", auth.ref()));
        }
        throw new IllegalStateException("unhandled command " + command);
    }

    /** What a command costs the connection's budget (docs/protocol.md, "Limits"). */
    private static CommandBudget.Cost costOf(ClientCommand command) {
        if (command instanceof ClientCommand.Publish) {
            return CommandBudget.Cost.PUBLISH;
        } else if (command instanceof ClientCommand.Direct) {
            return CommandBudget.Cost.DIRECT;
        } else if (command instanceof ClientCommand.Join) {
            return CommandBudget.Cost.JOIN;
        } else if (command instanceof ClientCommand.Leave) {
            return CommandBudget.Cost.LEAVE;
        } else if (command instanceof ClientCommand.History) {
            return CommandBudget.Cost.HISTORY;
        } else if (command instanceof ClientCommand.ListMembers) {
            return CommandBudget.Cost.MEMBERS;
        } else if (command instanceof ClientCommand.ListOnline) {
            return CommandBudget.Cost.ONLINE;
        }
        return CommandBudget.Cost.REFRESH; // refresh, and an auth frame sent again
    }

    /** Why a message may not be sent because its payload names a Pusher protocol event, or null. */
    private static String reservedEventOf(ClientCommand command) {
        var payload = command instanceof ClientCommand.Publish publish ? publish.payload()
                : command instanceof ClientCommand.Direct direct ? direct.payload() : null;
        return ReservedEvents.named(payload) ? ReservedEvents.refusal(payload.get("event").textValue()) : null;
    }

    /**
     * Applies a refreshed token's grant: from now on its permissions decide, and the connection leaves — with a
     * {@code left} event whose {@code reason} is {@code forbidden} — every room the new grant no longer lets it be in,
     * or no longer lets it see the presence of (it may join again, without presence).
     */
    private Uni<Void> regrant(WebSocketConnection connection, String user, Grant grant) {
        Permissions before = identity.regrant(connection, user, grant);
        Permissions now = identity.permissionsOf(connection);
        Uni<Void> done = Uni.createFrom().voidItem();
        for (String room : rooms.roomsOf(connection)) {
            if (!now.mayJoin(room) || (before.maySeePresence(room) && !now.maySeePresence(room))) {
                done = done.chain(() -> rooms.leave(room, connection))
                        .chain(() -> connection.sendText(ServerFrames.removed(room, ErrorCode.FORBIDDEN.wire())));
            }
        }
        return done;
    }

    /**
     * The first frame of a connection that came without a token: it must be {@code auth} with a valid token, which
     * admits the connection ({@code welcome} follows); anything else closes it with 4003. Frames sent after it wait
     * until the connection is admitted (inbound frames are handled one at a time).
     */
    private Uni<Void> authenticate(ClientCommand command, WebSocketConnection connection) {
        if (!(command instanceof ClientCommand.Authenticate auth) || !identity.awaitsToken(connection)) {
            meters.refused(Refusal.AUTHENTICATION);
            return connection.close(CloseCodes.NOT_AUTHENTICATED);
        }
        deadline.disarm(connection);
        return identity.authenticate(connection, auth.token()).onItemOrFailure().transformToUni((user, failure) -> {
            if (failure != null) {
                LOG.debugf("Refused an auth frame on %s: %s", connection.id(), failure.getMessage());
                meters.refused(Refusal.AUTHENTICATION);
                return connection.close(CloseCodes.NOT_AUTHENTICATED);
            }
            return connection.isOpen() ? admit(connection) : Uni.createFrom().voidItem();
        });
    }

    /** Acks a publish (with its stream position when the stream keeps history) or reports its failure. */
    private static Uni<Void> acknowledge(WebSocketConnection connection, String ref, Uni<Publisher.Published> publish) {
        return publish.onItemOrFailure().transformToUni((published, failure) -> {
            if (failure != null) {
                LOG.debugf("Publish failed: %s", failure);
                String id = failure instanceof Publisher.Unconfirmed unconfirmed ? unconfirmed.id() : null;
                return connection.sendText(ServerFrames.error(ErrorCode.BACKPLANE_UNAVAILABLE,
                        "the backplane did not confirm the message: it may not have been delivered", ref, id));
            }
            return ref == null ? Uni.createFrom().voidItem()
                    : connection.sendText(ServerFrames.ack(ref, published.id(), published.position()));
        });
    }

    /** Sends the reply a read of Redis-backed state produced, or {@code backplane_unavailable} naming what failed. */
    private static Uni<Void> answer(WebSocketConnection connection, String ref, String what, Uni<String> reply) {
        return reply.onItemOrFailure().transformToUni((frame, failure) -> connection.sendText(failure == null ? frame
                : ServerFrames.error(ErrorCode.BACKPLANE_UNAVAILABLE, what + " is unavailable", ref)));
    }

    /** A pong (the answer to the server's pings) shows the client is alive. */
    @OnPongMessage
    @NonBlocking // a void callback would otherwise be dispatched to a worker thread, once per pong of every connection
    void onPong(Buffer data, WebSocketConnection connection) {
        idle.seen(connection);
    }

    @OnBinaryMessage
    Uni<Void> onBinary(Buffer ignored, WebSocketConnection connection) {
        return connection.close(CloseCodes.BINARY_NOT_ACCEPTED);
    }

    @OnError
    Uni<Void> onError(Throwable failure, WebSocketConnection connection) {
        return failures.close(failure, connection);
    }

    @OnClose
    @NonBlocking // it only updates this replica's maps and starts reactive Redis calls
    void onClose(WebSocketConnection connection) {
        deadline.disarm(connection);
        connections.remove(connection);
        limits.closed(connection);
        tokenExpiry.forget(connection);
        broadcast.remove(connection);
        String user = connection.userData().get(USER);
        if (user != null) {
            rooms.leaveAll(connection);
            users.disconnect(connection, user);
        }
    }
}
