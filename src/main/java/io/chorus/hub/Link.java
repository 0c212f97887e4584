package io.chorus.hub;

import io.chorus.protocol.CloseCode;
import io.smallrye.mutiny.Uni;

/**
 * A session's connection as the hub needs it: the WebSocket the session's frames go to, whatever framework serves it.
 * Made once per connection when it opens (an adapter of the endpoint's framework, outside the hub).
 */
public interface Link {

    /** The connection's id, unique on this replica. */
    String id();

    /** Whether frames may still be sent: open, not closing or closed. */
    boolean isOpen();

    /** Whether the connection is closed (or its close has begun). */
    boolean isClosed();

    /** Sends a text frame; the item arrives once it is written. */
    Uni<Void> sendText(String text);

    /** Sends a ping frame (the client's pong tells it is alive). */
    Uni<Void> ping();

    /** Sends a close frame with this code and reason, then closes. */
    Uni<Void> close(CloseCode code);
}
