package io.chorus.protocol;

/** The WebSocket close codes Chorus sends, as documented in docs/protocol.md. */
public final class CloseCodes {

    /** RFC 6455 1001: the replica is shutting down; reconnect (to another replica). */
    public static final CloseCode GOING_AWAY = new CloseCode(1001, "replica shutting down");
    /** RFC 6455 1003: binary frames are not part of the protocol. */
    public static final CloseCode BINARY_NOT_ACCEPTED = new CloseCode(1003, "binary frames are not accepted");

    /** RFC 6455 1009: the message is larger than {@code chorus.limits.max-message-bytes}. */
    public static final CloseCode MESSAGE_TOO_BIG = new CloseCode(1009, "message too big");
    /** RFC 6455 1011: the server failed unexpectedly while handling this connection. */
    public static final CloseCode INTERNAL_ERROR = new CloseCode(1011, "internal error");

    /**
     * 4008: the client did not read its frames fast enough; {@code chorus.limits.max-pending-frames} of them were
     * waiting. It may reconnect (and recover from its last position).
     */
    public static final CloseCode SLOW_CONSUMER = new CloseCode(4008, "slow consumer");

    /** 4001: the connection's token expired and was not refreshed over the socket in time. */
    public static final CloseCode TOKEN_EXPIRED = new CloseCode(4001, "token expired");

    /**
     * 4003: the connection neither carried a token in its URL nor sent a valid {@code auth} frame first, within
     * {@code chorus.auth.handshake-timeout}.
     */
    public static final CloseCode NOT_AUTHENTICATED = new CloseCode(4003, "authentication failed");

    /** 4005: the server API disconnected this user ({@code DELETE /api/users/{user}/connections}). */
    public static final CloseCode DISCONNECTED = new CloseCode(4005, "disconnected by the server");

    /**
     * RFC 6455 1013 (Try Again Later): the replica already holds {@code chorus.limits.max-connections}; connect to
     * another one. (Usually refused earlier, at the upgrade, with HTTP 503.)
     */
    public static final CloseCode REPLICA_FULL = new CloseCode(1013, "replica full: try another one");

    /** 4029: the user already holds {@code chorus.limits.max-connections-per-user} connections on this replica. */
    public static final CloseCode TOO_MANY_CONNECTIONS = new CloseCode(4029, "too many connections for this user");

    /** 4002: nothing arrived from the client (not even a pong) for {@code chorus.limits.idle-timeout}. */
    public static final CloseCode IDLE = new CloseCode(4002, "idle timeout");

    /** Whether a failure is the WebSocket codec refusing a message over the size limit. */
    public static boolean isMessageTooBig(Throwable failure) {
        String message = failure.getMessage();
        return failure instanceof IllegalStateException && message != null && message.contains("max message size");
    }

    private CloseCodes() {
    }
}
