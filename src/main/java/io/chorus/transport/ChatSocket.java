package io.chorus.transport;

import org.jboss.logging.Logger;

import io.chorus.ChorusConfig;
import io.chorus.auth.UserIdentity;
import io.chorus.backplane.Backplane;
import io.chorus.hub.LocalConnections;
import io.chorus.protocol.ClientCommand;
import io.chorus.protocol.ClientFrameParser;
import io.chorus.protocol.CloseCodes;
import io.chorus.protocol.ErrorCode;
import io.chorus.protocol.ProtocolException;
import io.chorus.protocol.ServerFrames;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;

/**
 * The client endpoint, {@code /ws}, speaking the protocol of docs/protocol.md. It hands each message to the
 * backplane exactly once and never delivers locally itself: delivery, here as everywhere, comes back through the
 * backplane subscription ({@link io.chorus.hub.BroadcastSubscriber}).
 */
@WebSocket(path = "/ws", endpointId = ChatSocket.ENDPOINT_ID)
public class ChatSocket {

    public static final String ENDPOINT_ID = "chorus";

    static final TypedKey<String> USER = TypedKey.forString("chorus.user");

    private static final Logger LOG = Logger.getLogger(ChatSocket.class);
    private static final CloseReason INVALID_USER = new CloseReason(1008, "invalid user id");

    private final Backplane backplane;
    private final LocalConnections connections;
    private final UserIdentity identity;
    private final MessageIds ids;
    private final ClientFrameParser parser;
    private final String replicaId;
    private final String channel;

    ChatSocket(Backplane backplane, LocalConnections connections, UserIdentity identity, MessageIds ids,
            ChorusConfig config) {
        this.backplane = backplane;
        this.connections = connections;
        this.identity = identity;
        this.ids = ids;
        this.parser = new ClientFrameParser(config.limits().maxJsonDepth());
        this.replicaId = config.replicaId();
        this.channel = config.channel();
    }

    /** Sends {@code welcome}; the connection receives every message delivered after it. */
    @OnOpen
    Uni<Void> onOpen(WebSocketConnection connection) {
        var user = identity.userOf(connection.handshakeRequest());
        if (user.isEmpty()) {
            return connection.close(INVALID_USER);
        }
        connection.userData().put(USER, user.get());
        return connection.sendText(ServerFrames.welcome(replicaId, connection.id(), user.get()))
                .invoke(() -> connections.add(connection));
    }

    @OnTextMessage
    Uni<Void> onText(String text, WebSocketConnection connection) {
        ClientCommand command;
        try {
            command = parser.parse(text);
        } catch (ProtocolException e) {
            return connection.sendText(ServerFrames.error(e.code(), e.getMessage(), e.ref()));
        }
        if (command instanceof ClientCommand.Publish publish) {
            return publish(publish, connection);
        }
        throw new IllegalStateException("unhandled command " + command);
    }

    private Uni<Void> publish(ClientCommand.Publish publish, WebSocketConnection connection) {
        String id = ids.next();
        String frame = ServerFrames.message(id, replicaId, connection.userData().get(USER),
                System.currentTimeMillis(), publish.payload());
        return backplane.publish(channel, frame).onItemOrFailure().transformToUni((ok, failure) -> {
            if (failure != null) {
                LOG.debugf("Publish %s failed: %s", id, failure);
                return connection.sendText(ServerFrames.error(ErrorCode.BACKPLANE_UNAVAILABLE,
                        "the message was not delivered: the backplane is unavailable", publish.ref()));
            }
            return publish.ref() == null ? Uni.createFrom().voidItem()
                    : connection.sendText(ServerFrames.ack(publish.ref(), id));
        });
    }

    @OnBinaryMessage
    Uni<Void> onBinary(Buffer ignored, WebSocketConnection connection) {
        return connection.close(CloseCodes.BINARY_NOT_ACCEPTED);
    }

    /**
     * A message over {@code chorus.limits.max-message-bytes} (the codec's limit) closes with 1009, as RFC 6455
     * §7.4.1 says; anything else unexpected closes with 1011 and is logged.
     */
    @OnError
    Uni<Void> onError(Throwable failure, WebSocketConnection connection) {
        if (CloseCodes.isMessageTooBig(failure)) {
            return connection.close(CloseCodes.MESSAGE_TOO_BIG);
        }
        if (connection.isClosed() || failure instanceof HttpClosedException) {
            LOG.debugf("Connection %s went away: %s", connection.id(), failure);
            return Uni.createFrom().voidItem();
        }
        LOG.errorf(failure, "Closing %s after an unexpected failure", connection.id());
        return connection.close(CloseCodes.INTERNAL_ERROR);
    }

    @OnClose
    void onClose(WebSocketConnection connection) {
        connections.remove(connection);
    }
}
