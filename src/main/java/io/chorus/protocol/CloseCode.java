package io.chorus.protocol;

/**
 * A WebSocket close Chorus sends: its status code and reason text (docs/protocol.md). Chorus's own value, so what
 * decides a close need not know the WebSocket framework that sends it.
 */
public record CloseCode(int code, String reason) {
}
