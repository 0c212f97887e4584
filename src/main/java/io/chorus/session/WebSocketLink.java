package io.chorus.session;

import io.chorus.hub.Link;
import io.chorus.hub.Session;
import io.chorus.protocol.CloseCode;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.HandshakeRequest;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;

/**
 * A websockets-next connection as the hub's {@link Link}: one per connection, made when it opens. It also keeps the
 * connection's {@link Session} in the framework's user data (the only key Chorus keeps there), so the endpoints and
 * the upgrade checks find it with one lookup.
 */
public final class WebSocketLink implements Link {

    private static final TypedKey<Session> KEY = new TypedKey<>("chorus.session");
    private static final Buffer PING = Buffer.buffer("ping");

    private final WebSocketConnection connection;

    private WebSocketLink(WebSocketConnection connection) {
        this.connection = connection;
    }

    /** The session being made for an upgrading connection (the upgrade checks run one after another). */
    public static Session at(UserData upgrade) {
        Session session = upgrade.get(KEY);
        if (session == null) {
            session = new Session();
            upgrade.put(KEY, session);
        }
        return session;
    }

    /** The session of an open connection, linked to it; made now when no upgrade check made one. */
    public static Session of(WebSocketConnection connection) {
        Session session = at(connection.userData());
        if (session.link() == null) {
            session.attach(new WebSocketLink(connection));
        }
        return session;
    }

    /** The connection of a session of this framework's endpoints. */
    public static WebSocketConnection connectionOf(Session session) {
        return ((WebSocketLink) session.link()).connection;
    }

    /** The upgrade request of a session's connection. */
    public static HandshakeRequest handshakeOf(Session session) {
        return connectionOf(session).handshakeRequest();
    }

    /** The framework's close reason for Chorus's close code. */
    public static CloseReason reasonOf(CloseCode code) {
        return new CloseReason(code.code(), code.reason());
    }

    @Override
    public String id() {
        return connection.id();
    }

    @Override
    public boolean isOpen() {
        return connection.isOpen();
    }

    @Override
    public boolean isClosed() {
        return connection.isClosed();
    }

    @Override
    public Uni<Void> sendText(String text) {
        return connection.sendText(text);
    }

    @Override
    public Uni<Void> ping() {
        return connection.sendPing(PING);
    }

    @Override
    public Uni<Void> close(CloseCode code) {
        return connection.close(reasonOf(code));
    }
}
