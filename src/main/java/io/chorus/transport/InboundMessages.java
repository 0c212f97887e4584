package io.chorus.transport;

import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/**
 * The endpoints' side of the inbound bound ({@link FrameGuard}): each text message handed to an endpoint counts
 * against its connection until the endpoint has handled it; {@link #handling} wraps an {@code @OnTextMessage}
 * handler so that it reports when it is done, however it ends.
 */
public final class InboundMessages {

    static final TypedKey<FrameGuard> GUARD = new TypedKey<>("chorus.frame-guard");

    private InboundMessages() {
    }

    /** The handling of one text message of this connection, which reports its end to the connection's guard. */
    public static Uni<Void> handling(WebSocketConnection connection, java.util.function.Supplier<Uni<Void>> handler) {
        FrameGuard guard = connection.userData().get(GUARD);
        if (guard == null) {
            return handler.get();
        }
        return Uni.createFrom().<Void> deferred(handler::get).onTermination().invoke(guard::handled);
    }
}
