package io.chorus.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/** A command a client sends; see docs/protocol.md for the wire form of each. */
public sealed interface ClientCommand {

    /** The client's correlation id, echoed in the {@code ack} or {@code error} it causes; may be null. */
    String ref();

    /** {@code {"type":"publish","payload":…}}: deliver the payload to every client on every replica. */
    record Publish(String ref, JsonNode payload) implements ClientCommand {
    }
}
