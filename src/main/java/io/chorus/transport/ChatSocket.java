package io.chorus.transport;

import java.util.List;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.history.RecentHistory;
import io.chorus.hub.ClientFrame;
import io.chorus.hub.Fanout;
import io.chorus.hub.JoinReply;
import io.chorus.hub.Link;
import io.chorus.hub.Publisher;
import io.chorus.hub.RoomRegistry;
import io.chorus.hub.Session;
import io.chorus.hub.UserRegistry;
import io.chorus.metrics.ChorusMeters;
import io.chorus.metrics.ChorusMeters.Refusal;
import io.chorus.protocol.ClientCommand;
import io.chorus.protocol.ClientFrameParser;
import io.chorus.protocol.CloseCode;
import io.chorus.protocol.CloseCodes;
import io.chorus.protocol.ErrorCode;
import io.chorus.protocol.ProtocolException;
import io.chorus.protocol.ReservedEvents;
import io.chorus.protocol.ServerFrames;
import io.chorus.session.CommandBudget;
import io.chorus.session.ConnectionFailures;
import io.chorus.session.Endpoints;
import io.chorus.session.InboundMessages;
import io.chorus.session.Sessions;
import io.chorus.session.WebSocketLink;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

/**
 * The client endpoint, {@code /ws}, speaking the protocol of docs/protocol.md. It hands each message to the
 * backplane exactly once ({@link Publisher}) and never delivers locally itself: delivery, here as everywhere, comes back through the
 * backplane subscription ({@link io.chorus.hub.BroadcastSubscriber}). The connection's lifecycle — admission, limits,
 * liveness, refresh, close — is {@link Sessions}'; this class speaks the protocol over it.
 */
@WebSocket(path = "/ws", endpointId = Endpoints.NATIVE)
public class ChatSocket {

    private static final Logger LOG = Logger.getLogger(ChatSocket.class);
    /** Messages a {@code history} without {@code limit} returns. */
    private static final int DEFAULT_HISTORY = 50;

    private final Sessions sessions;
    private final RoomRegistry rooms;
    private final UserRegistry users;
    private final Publisher publisher;
    private final ChorusMeters meters;
    private final CommandBudget budget;
    private final int maxRooms;
    private final int maxReplyBytes;
    private final ConnectionFailures failures;
    private final RecentHistory history;
    private final ClientFrameParser parser;
    private final String replicaId;
    private final Fanout fanout;

    ChatSocket(Sessions sessions, Publisher publisher, RoomRegistry rooms, UserRegistry users, ChorusMeters meters,
            CommandBudget budget, ConnectionFailures failures, RecentHistory history, Fanout fanout,
            ChorusConfig config) {
        this.sessions = sessions;
        this.history = history;
        this.failures = failures;
        this.meters = meters;
        this.budget = budget;
        this.maxRooms = config.limits().maxRoomsPerConnection();
        this.maxReplyBytes = config.limits().maxReplyBytes();
        this.rooms = rooms;
        this.users = users;
        this.publisher = publisher;
        this.parser = new ClientFrameParser(config.limits().maxJsonDepth());
        this.replicaId = config.replicaId();
        this.fanout = fanout;
    }

    /**
     * Admits a connection that brought its identity (a token in the URL, or anonymous mode); one that did not gets
     * {@code chorus.auth.handshake-timeout} to send an {@code auth} frame. Either counts as being admitted
     * ({@code chorus.limits.max-admitting}) until its welcome.
     */
    @OnOpen
    Uni<Void> onOpen(WebSocketConnection connection) {
        Session session = sessions.openToAdmit(connection);
        if (sessions.awaitsToken(session)) {
            CloseCode full = sessions.awaitToken(session);
            return full != null ? session.link().close(full) : Uni.createFrom().voidItem();
        }
        return admit(session);
    }

    /**
     * Admits the session ({@link Sessions#admit}) and sends {@code welcome}, then — when the client asked to recover
     * from a broadcast position ({@code since} and {@code epoch} query parameters) — the broadcasts it missed, then
     * live ones.
     */
    private Uni<Void> admit(Session session) {
        Link link = session.link();
        return sessions.admit(session, (user, recovered, position) -> link
                .sendText(ServerFrames.welcome(replicaId, link.id(), user, recovered, position))
                .subscribe().with(ok -> {
                }, failure -> LOG.debugf("welcome not sent to %s: %s", link.id(), failure)));
    }

    /**
     * Hands a text message to {@link #onText}, counted against the connection's inbound bound until it is handled
     * ({@link InboundMessages}); a message still queued when its connection closed is dropped.
     */
    @OnTextMessage
    Uni<Void> onTextMessage(String text, WebSocketConnection connection) {
        return InboundMessages.handling(sessions.of(connection),
                () -> connection.isOpen() ? onText(text, connection) : Uni.createFrom().voidItem());
    }

    Uni<Void> onText(String text, WebSocketConnection connection) {
        Session session = sessions.of(connection);
        sessions.seen(session);
        String user = session.user();
        ClientCommand command;
        try {
            command = parser.parse(text);
        } catch (ProtocolException e) {
            if (user == null) {
                meters.refused(Refusal.AUTHENTICATION);
                return connection.close(WebSocketLink.reasonOf(CloseCodes.NOT_AUTHENTICATED));
            }
            return connection.sendText(ServerFrames.error(e.code(), e.getMessage(), e.ref()));
        }
        if (user == null) {
            return authenticate(command, session);
        }
        if (!budget.tryPay(session, costOf(command))) {
            meters.rateLimited();
            return connection.sendText(ServerFrames.error(ErrorCode.RATE_LIMITED,
                    "too many commands: this one was dropped", command.ref()));
        }
        String refusal = session.permissions().refusal(command);
        if (refusal == null) {
            refusal = reservedEventOf(command);
        }
        if (refusal != null) {
            meters.refused(Refusal.FORBIDDEN);
            return connection.sendText(ServerFrames.error(ErrorCode.FORBIDDEN, refusal, command.ref()));
        }
        if (command instanceof ClientCommand.Join join && rooms.roomCountOf(session) >= maxRooms
                && !rooms.isIn(join.room(), session)) {
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
            return acknowledge(session, publish.ref(), room == null ? publisher.toEveryone(user, publish.payload())
                    : publisher.toRoom(room, user, publish.payload()));
        } else if (command instanceof ClientCommand.Direct direct) {
            meters.directMessagePublished();
            return acknowledge(session, direct.ref(), publisher.toUser(direct.to(), user, direct.payload()));
        } else if (command instanceof ClientCommand.Join join) {
            JoinReply reply = (recovered, position) -> connection
                    .sendText(ServerFrames.joined(join.room(), join.ref(), recovered, position))
                    .subscribe().with(ok -> {
                    }, failure -> LOG.debugf("joined not sent to %s: %s", connection.id(), failure));
            return rooms.join(join.room(), session, user, join.since(),
                    session.permissions().maySeePresence(join.room()), reply)
                    .onFailure().recoverWithUni(failure -> {
                        LOG.debugf("Join of %s to %s answered backplane_unavailable: %s", connection.id(), join.room(),
                                failure.toString());
                        return connection.sendText(ServerFrames.error(ErrorCode.BACKPLANE_UNAVAILABLE,
                                "could not join " + join.room() + ": the backplane is unavailable", join.ref()));
                    });
        } else if (command instanceof ClientCommand.Leave leave) {
            return rooms.leave(leave.room(), session)
                    .chain(() -> connection.sendText(ServerFrames.left(leave.room(), leave.ref())));
        } else if (command instanceof ClientCommand.ListMembers list) {
            return answer(connection, list.ref(), "presence", rooms.members(list.room())
                    .map(members -> ServerFrames.members(list.room(), members.users(), list.ref())));
        } else if (command instanceof ClientCommand.Refresh refresh) {
            return sessions.refresh(session, refresh.token()).onItemOrFailure().transformToUni(
                    (refreshed, failure) -> failure != null
                            ? connection.sendText(ServerFrames.error(ErrorCode.INVALID_TOKEN, failure.getMessage(), refresh.ref()))
                            : removed(connection, refreshed.removedFrom())
                                    .chain(() -> connection.sendText(ServerFrames.refreshed(refreshed.expires(), refresh.ref()))));
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
        String event = payload == null ? null : ReservedEvents.namedBy(payload);
        return event == null ? null : ReservedEvents.refusal(event);
    }

    /**
     * Tells the client, with a {@code left} event whose {@code reason} is {@code forbidden}, of each room a refreshed
     * token's grant took it out of ({@link Sessions#refresh}).
     */
    private static Uni<Void> removed(WebSocketConnection connection, java.util.List<String> rooms) {
        Uni<Void> done = Uni.createFrom().voidItem();
        for (String room : rooms) {
            done = done.chain(() -> connection.sendText(ServerFrames.removed(room, ErrorCode.FORBIDDEN.wire())));
        }
        return done;
    }

    /**
     * The first frame of a connection that came without a token: it must be {@code auth} with a valid token, which
     * admits the connection ({@code welcome} follows); anything else closes it with 4003. Frames sent after it wait
     * until the connection is admitted (inbound frames are handled one at a time).
     */
    private Uni<Void> authenticate(ClientCommand command, Session session) {
        Link link = session.link();
        if (!(command instanceof ClientCommand.Authenticate auth) || !sessions.awaitsToken(session)) {
            meters.refused(Refusal.AUTHENTICATION);
            return link.close(CloseCodes.NOT_AUTHENTICATED);
        }
        return sessions.authenticate(session, auth.token()).onItemOrFailure().transformToUni((user, failure) -> {
            if (failure != null) {
                LOG.debugf("Refused an auth frame on %s: %s", link.id(), failure.getMessage());
                meters.refused(Refusal.AUTHENTICATION);
                return link.close(CloseCodes.NOT_AUTHENTICATED);
            }
            return link.isOpen() ? admit(session) : Uni.createFrom().voidItem();
        });
    }

    /**
     * Acks a publish (with its stream position when the stream keeps history) or reports its failure. The ack is
     * written like the messages the connection receives ({@link Fanout}): from pooled memory, bounded, and flushed
     * with its event loop's next flush, so an ack and a message that reach a connection in one pass share a socket
     * write.
     */
    private Uni<Void> acknowledge(Session session, String ref, Uni<Publisher.Published> publish) {
        return publish.onItemOrFailure().transformToUni((published, failure) -> {
            if (failure != null) {
                LOG.debugf("Publish failed: %s", failure);
                String id = failure instanceof Publisher.Unconfirmed unconfirmed ? unconfirmed.id() : null;
                return session.link().sendText(ServerFrames.error(ErrorCode.BACKPLANE_UNAVAILABLE,
                        "the backplane did not confirm the message: it may not have been delivered", ref, id));
            }
            if (ref != null) {
                fanout.write(List.of(session), ServerFrames.ack(ref, published.id(), published.position()));
            }
            return Uni.createFrom().voidItem();
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
        sessions.seen(sessions.of(connection));
    }

    @OnBinaryMessage
    Uni<Void> onBinary(Buffer ignored, WebSocketConnection connection) {
        return connection.close(WebSocketLink.reasonOf(CloseCodes.BINARY_NOT_ACCEPTED));
    }

    @OnError
    Uni<Void> onError(Throwable failure, WebSocketConnection connection) {
        return failures.close(failure, connection);
    }

    @OnClose
    @NonBlocking // it only updates this replica's maps and starts reactive Redis calls
    void onClose(WebSocketConnection connection) {
        sessions.close(sessions.of(connection));
    }
}
