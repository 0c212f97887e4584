package io.chorus.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One JSON value, kept as its text: a publish's payload exactly as the client wrote it (validated by
 * {@link ClientFrameParser}), written into the outgoing {@code message} frame unchanged ({@link ServerFrames}), so a
 * message's payload is neither built into a tree nor encoded again on its way through the server.
 */
public record RawJson(String text) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The text of a tree (the server API's payloads, and Pusher's, come as trees). */
    public static RawJson of(JsonNode value) {
        try {
            return new RawJson(MAPPER.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + value, e);
        }
    }

    /** The value as a tree; parses the text again, so only for what is rare (a payload that may name an event). */
    public JsonNode tree() {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not the JSON it was validated as: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
