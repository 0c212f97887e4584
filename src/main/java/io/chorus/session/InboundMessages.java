package io.chorus.session;

import io.chorus.hub.Session;
import io.smallrye.mutiny.Uni;

/**
 * The endpoints' side of the inbound bound ({@code transport.FrameGuard}): each text message handed to an endpoint
 * counts against its connection until the endpoint has handled it; {@link #handling} wraps an {@code @OnTextMessage}
 * handler so that it reports when it is done, however it ends.
 */
public final class InboundMessages {

    private InboundMessages() {
    }

    /** The handling of one text message of this session, which reports its end to the connection's bound. */
    public static Uni<Void> handling(Session session, java.util.function.Supplier<Uni<Void>> handler) {
        Session.InboundBound bound = session.inbound();
        if (bound == null) {
            return handler.get();
        }
        return Uni.createFrom().<Void> deferred(handler::get).onTermination().invoke(bound::handled);
    }
}
