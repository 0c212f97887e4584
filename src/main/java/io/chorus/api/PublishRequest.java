package io.chorus.api;

import com.fasterxml.jackson.databind.JsonNode;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A message the server publishes: delivered to clients as a {@code message} event, {@code from} as its sender. */
public record PublishRequest(
        @Schema(description = "Any JSON value; clients receive it unchanged as the message's payload", required = true)
        JsonNode payload,
        @Schema(description = "Sender shown to clients (a user id); default: server", defaultValue = "server")
        String from) {

    String sender() {
        return from == null ? "server" : from;
    }
}
