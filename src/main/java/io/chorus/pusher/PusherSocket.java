package io.chorus.pusher;

import java.io.IOException;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.ChorusConfig;
import io.chorus.auth.UserIdentity;
import io.chorus.hub.RoomRegistry;
import io.chorus.hub.Session;
import io.chorus.metrics.ChorusMeters;
import io.chorus.protocol.CloseCode;
import io.chorus.protocol.CloseCodes;
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
import io.quarkus.websockets.next.PathParam;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

/**
 * The Pusher Channels endpoint, {@code /app/{key}}, protocol version 7 (docs/pusher.md): what pusher-js, Laravel
 * Echo and the other Pusher clients connect to. Channels are rooms ({@link PusherApp#roomOf}); messages reach the
 * socket through the rooms' backplane subscriptions, translated by {@link PusherDialect}, and what the socket
 * publishes (client events) goes to the backplane once, never delivered locally by this endpoint. The connection's
 * lifecycle — limits, liveness, close — is {@link Sessions}'; this class speaks the Pusher protocol over it.
 */
@WebSocket(path = "/app/{key}", endpointId = Endpoints.PUSHER)
public class PusherSocket {

    private static final Logger LOG = Logger.getLogger(PusherSocket.class);
    private static final CloseCode UNKNOWN_APP = new CloseCode(4001, "App key not in this cluster");
    private static final CloseCode UNSUPPORTED_PROTOCOL = new CloseCode(4007, "Unsupported protocol version");
    private static final CloseCode NO_PROTOCOL = new CloseCode(4008, "No protocol version supplied");
    private static final int UNAUTHORIZED = 4009;
    private static final int CLIENT_EVENT_RATE_LIMIT = 4301;

    private final PusherApps apps;
    private final PusherDialect dialect;
    private final SocketIds socketIds;
    private final RoomRegistry rooms;
    private final ChannelIndex index;
    private final ChannelEvents events;
    private final Webhooks webhooks;
    private final Sessions sessions;
    private final long activityTimeoutSeconds;
    private final int clientEventRate;
    private final int maxChannels;
    private final ConnectionFailures failures;
    private final CommandBudget budget;
    private final ChorusMeters meters;

    PusherSocket(PusherApps apps, PusherDialect dialect, SocketIds socketIds, RoomRegistry rooms, ChannelIndex index,
            ChannelEvents events, Webhooks webhooks, Sessions sessions, ConnectionFailures failures, CommandBudget budget, ChorusMeters meters, ChorusConfig config) {
        this.budget = budget;
        this.meters = meters;
        this.failures = failures;
        this.apps = apps;
        this.dialect = dialect;
        this.socketIds = socketIds;
        this.rooms = rooms;
        this.index = index;
        this.events = events;
        this.webhooks = webhooks;
        this.sessions = sessions;
        this.activityTimeoutSeconds = Math.max(1, config.pusher().activityTimeout().toSeconds());
        this.clientEventRate = config.pusher().clientEventRate();
        this.maxChannels = config.limits().maxRoomsPerConnection();
    }

    /**
     * Refuses an unknown key (4001), a missing (4008) or unsupported (4007) protocol version and a full replica
     * (4100), each with a {@code pusher:error} first; else sends {@code pusher:connection_established}.
     */
    @OnOpen
    Uni<Void> onOpen(WebSocketConnection connection, @PathParam String key) {
        Session opened = sessions.open(connection);
        var app = apps.byKey(key);
        if (app.isEmpty()) {
            return refuse(connection, UNKNOWN_APP);
        }
        String protocol = UserIdentity.queryParameter(connection.handshakeRequest().query(), "protocol");
        if (protocol == null || protocol.isEmpty()) {
            return refuse(connection, NO_PROTOCOL);
        }
        if (!protocol.matches("[5-7]")) {
            return refuse(connection, UNSUPPORTED_PROTOCOL);
        }
        PusherSession session = new PusherSession(app.get(), socketIds.next(), clientEventRate);
        if (!sessions.openInDialect(opened, dialect, () -> session)) {
            return refuse(connection, PusherDialect.OVER_CAPACITY);
        }
        return connection.sendText(PusherFrames.connectionEstablished(session.socketId, activityTimeoutSeconds));
    }

    private static Uni<Void> refuse(WebSocketConnection connection, CloseCode reason) {
        return connection.sendText(PusherFrames.error(reason.code(), reason.reason()))
                .onFailure().invoke(failure -> LOG.debugf("pusher:error %d not sent to %s before closing: %s",
                        reason.code(), connection.id(), failure))
                .onFailure().recoverWithNull()
                .chain(() -> connection.close(WebSocketLink.reasonOf(reason)));
    }

    /** Hands a text message to {@link #onText}, counted against the connection's inbound bound until handled. */
    @OnTextMessage
    Uni<Void> onTextMessage(String text, WebSocketConnection connection) {
        return InboundMessages.handling(sessions.of(connection),
                () -> connection.isOpen() ? onText(text, connection) : Uni.createFrom().voidItem());
    }

    Uni<Void> onText(String text, WebSocketConnection connection) {
        Session opened = sessions.of(connection);
        sessions.seen(opened);
        PusherSession session = opened.endpointState(PusherSession.class);
        if (session == null) {
            return Uni.createFrom().voidItem(); // refused at open, closing
        }
        JsonNode frame;
        try {
            frame = PusherFrames.MAPPER.readTree(text);
        } catch (IOException e) {
            return connection.sendText(PusherFrames.error(null, "Invalid JSON"));
        }
        if (frame == null || !frame.isObject() || !frame.path("event").isTextual()) {
            return connection.sendText(PusherFrames.error(null, "A message must be a JSON object with a string event"));
        }
        String event = frame.get("event").textValue();
        JsonNode data = dataOf(frame.get("data"));
        CommandBudget.Cost cost = costOf(event, data);
        if (cost != null && !budget.tryPay(opened, cost)) {
            meters.rateLimited();
            return overBudget(connection, event, data);
        }
        return switch (event) {
            case "pusher:ping" -> connection.sendText(PusherFrames.pong());
            case "pusher:pong" -> Uni.createFrom().voidItem();
            case "pusher:subscribe" -> subscribe(connection, session, data);
            case "pusher:unsubscribe" -> unsubscribe(connection, session, data.path("channel").asText(null));
            default -> event.startsWith("client-")
                    ? clientEvent(connection, session, event, frame.path("channel").asText(null), frame.get("data"))
                    : connection.sendText(PusherFrames.error(null, "Unsupported event: " + event));
        };
    }

    /** What an event costs the connection's budget (docs/protocol.md, "Limits"); null: nothing. */
    private static CommandBudget.Cost costOf(String event, JsonNode data) {
        return switch (event) {
            case "pusher:pong" -> null;
            case "pusher:ping" -> CommandBudget.Cost.PING;
            case "pusher:subscribe" -> ChannelName.isPresence(data.path("channel").asText(""))
                    ? CommandBudget.Cost.PRESENCE_SUBSCRIBE
                    : CommandBudget.Cost.JOIN;
            case "pusher:unsubscribe" -> CommandBudget.Cost.LEAVE;
            default -> CommandBudget.Cost.CLIENT_EVENT;
        };
    }

    /**
     * An event the budget could not pay for, dropped: a subscription is refused with {@code pusher:subscription_error}
     * (status 429), anything else gets {@code pusher:error} 4301.
     */
    private static Uni<Void> overBudget(WebSocketConnection connection, String event, JsonNode data) {
        String message = "Rate limit: too many events from this connection; " + event + " was dropped";
        if (event.equals("pusher:subscribe")) {
            return refuseSubscription(connection, data.path("channel").asText(null), "LimitReached", message, 429, null);
        }
        return connection.sendText(PusherFrames.error(CLIENT_EVENT_RATE_LIMIT, message));
    }

    /** The {@code data} of a client frame: an object, or a string holding one (both are seen in the wild). */
    private static JsonNode dataOf(JsonNode data) {
        if (data != null && data.isTextual()) {
            try {
                JsonNode parsed = PusherFrames.MAPPER.readTree(data.textValue());
                return parsed == null ? PusherFrames.MAPPER.missingNode() : parsed;
            } catch (IOException e) {
                return PusherFrames.MAPPER.missingNode();
            }
        }
        return data == null ? PusherFrames.MAPPER.missingNode() : data;
    }

    private Uni<Void> subscribe(WebSocketConnection connection, PusherSession session, JsonNode data) {
        String channel = data.path("channel").asText(null);
        if (!ChannelName.isValid(channel)) {
            return connection.sendText(PusherFrames.error(null, "Invalid channel name: " + channel));
        }
        if (session.subscription(channel) != null) {
            return Uni.createFrom().voidItem(); // already subscribed (or subscribing): nothing changes
        }
        if (session.count() >= maxChannels) {
            return refuseSubscription(connection, channel, "LimitReached",
                    "already subscribed to " + maxChannels + " channels", 429, null);
        }
        PusherApp app = session.app;
        if (!apps.mayOpen(app, channel)) {
            return refuseSubscription(connection, channel, "AuthError",
                    "Public channel " + channel + " is not open to Pusher clients (public-rooms)", 403, null);
        }
        boolean presence = ChannelName.isPresence(channel);
        String channelData = null;
        if (ChannelName.needsAuthorization(channel)) {
            JsonNode given = data.get("channel_data");
            channelData = given == null || given.isNull() ? null : given.isTextual() ? given.textValue() : given.toString();
            if (!ChannelAuthorization.verifies(app, session.socketId, channel, presence ? channelData : null,
                    data.path("auth").asText(null))) {
                return refuseSubscription(connection, channel, "AuthError",
                        "Invalid signature for channel " + channel, 401, UNAUTHORIZED);
            }
        }
        String user = null;
        String info = null;
        if (presence) {
            JsonNode member = parse(channelData);
            JsonNode userId = member == null ? null : member.get("user_id");
            if (userId == null || !(userId.isTextual() || userId.isIntegralNumber()) || userId.asText().isEmpty()
                    || userId.asText().length() > 128) {
                return refuseSubscription(connection, channel, "AuthError",
                        "channel_data must be a JSON object with a user_id of 1-128 characters", 401, UNAUTHORIZED);
            }
            user = userId.asText();
            JsonNode userInfo = member.get("user_info");
            info = userInfo == null || userInfo.isNull() ? null : userInfo.toString();
        }
        String room = app.roomOf(channel);
        if (!session.add(new PusherSession.Subscription(channel, room, user))) {
            return Uni.createFrom().voidItem();
        }
        index.subscribed(app, channel, connection);
        String member = user;
        if (!presence) {
            return rooms.enter(room, WebSocketLink.of(connection), null, null,
                    (recovered, position) -> send(connection, PusherFrames.subscriptionSucceeded(channel)))
                    .replaceWithVoid()
                    .onFailure().recoverWithUni(failure -> subscriptionFailed(connection, session, channel, failure));
        }
        return rooms.enter(room, WebSocketLink.of(connection), member, info, (recovered, position) -> {
        }).chain(first -> {
            if (first) {
                webhooks.memberAdded(app, channel, member);
            }
            return rooms.members(room);
        }).chain(members -> connection.sendText(PusherFrames.subscriptionSucceeded(channel, members)))
                .onFailure().recoverWithUni(failure -> subscriptionFailed(connection, session, channel, failure));
    }

    private Uni<Void> subscriptionFailed(WebSocketConnection connection, PusherSession session, String channel,
            Throwable failure) {
        LOG.debugf("Subscription of %s to %s failed: %s", session.socketId, channel, failure);
        return unsubscribe(connection, session, channel).chain(() -> refuseSubscription(connection, channel,
                "BackplaneUnavailable", "the channel is unavailable; try again", 503, null));
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            JsonNode node = PusherFrames.MAPPER.readTree(json);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A refused subscription: {@code pusher:subscription_error} on the channel (what pusher-js and Laravel Echo
     * report to the app), then {@code pusher:error} with the code, when there is one.
     */
    private static Uni<Void> refuseSubscription(WebSocketConnection connection, String channel, String type,
            String message, int status, Integer code) {
        Uni<Void> sent = connection.sendText(PusherFrames.subscriptionError(channel, type, message, status));
        return code == null ? sent : sent.chain(() -> connection.sendText(PusherFrames.error(code, message)));
    }

    private Uni<Void> unsubscribe(WebSocketConnection connection, PusherSession session, String channel) {
        PusherSession.Subscription subscription = channel == null ? null : session.remove(channel);
        if (subscription == null) {
            return Uni.createFrom().voidItem();
        }
        index.unsubscribed(session.app, channel, connection);
        return rooms.exit(subscription.room(), WebSocketLink.of(connection)).invoke(left -> {
            if (left != null && subscription.user() != null) {
                webhooks.memberRemoved(session.app, channel, left);
            }
        }).replaceWithVoid();
    }

    /**
     * A {@code client-*} event: allowed when the app enables them, on a private or presence channel the socket is
     * subscribed to, within {@code chorus.pusher.client-event-rate}; it reaches the channel's other subscribers on
     * every replica (never its sender) and native members of the room.
     */
    private Uni<Void> clientEvent(WebSocketConnection connection, PusherSession session, String event, String channel,
            JsonNode data) {
        PusherApp app = session.app;
        if (!app.clientEvents()) {
            return connection.sendText(PusherFrames.error(UNAUTHORIZED, "Client events are not enabled for this app"));
        }
        PusherSession.Subscription subscription = channel == null ? null : session.subscription(channel);
        if (subscription == null || !ChannelName.allowsClientEvents(channel)) {
            return connection.sendText(PusherFrames.error(UNAUTHORIZED,
                    "Client events need a subscription to a private or presence channel: " + channel));
        }
        if (event.length() > 200) {
            return connection.sendText(PusherFrames.error(null, "Event name too long"));
        }
        if (!session.tryClientEvent()) {
            return connection.sendText(PusherFrames.error(CLIENT_EVENT_RATE_LIMIT,
                    "Client event rejected due to rate limit (" + clientEventRate + " a second)"));
        }
        JsonNode payload = data == null ? PusherFrames.MAPPER.nullNode() : data;
        return events.publish(app, channel, event, payload, subscription.user(), session.socketId)
                .onItemOrFailure().transformToUni((position, failure) -> {
                    if (failure != null) {
                        return connection.sendText(PusherFrames.error(null,
                                "The client event was not delivered: the backplane is unavailable"));
                    }
                    webhooks.clientEvent(app, channel, event, payload, session.socketId, subscription.user());
                    return Uni.createFrom().voidItem();
                });
    }

    private static void send(WebSocketConnection connection, String frame) {
        connection.sendText(frame).subscribe().with(ok -> {
        }, failure -> LOG.debugf("Pusher frame not sent to %s: %s", connection.id(), failure));
    }

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
        Session closed = sessions.of(connection);
        sessions.close(closed);
        PusherSession session = closed.endpointState(PusherSession.class);
        if (session == null) {
            return;
        }
        for (String channel : session.channels()) {
            unsubscribe(connection, session, channel).subscribe().with(ok -> {
            }, failure -> LOG.debugf("Unsubscribing %s from %s on close failed: %s", connection.id(), channel, failure));
        }
    }
}
