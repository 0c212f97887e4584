package io.chorus.protocol;

/** The {@code code} of an {@code error} event, as documented in docs/protocol.md. */
public enum ErrorCode {
    /** The frame is not valid JSON, or nests deeper than allowed. */
    INVALID_JSON("invalid_json"),
    /** The frame is JSON but not an object with a string {@code type}. */
    INVALID_FRAME("invalid_frame"),
    /** The {@code type} is not one this protocol version knows. */
    UNKNOWN_TYPE("unknown_type"),
    /** A field the command needs is absent. */
    MISSING_FIELD("missing_field"),
    /** A field has the wrong JSON type or an out-of-range value. */
    INVALID_FIELD("invalid_field"),
    /** {@code room} is not a valid room name. */
    INVALID_ROOM("invalid_room"),
    /** The connection's command budget ({@code chorus.limits.publish-rate}) cannot pay for the command; it was dropped. */
    RATE_LIMITED("rate_limited"),
    /** The connection is already in {@code chorus.limits.max-rooms-per-connection} rooms. */
    TOO_MANY_ROOMS("too_many_rooms"),
    /** The connection's token does not allow this: joining or publishing to the room, listing its members. */
    FORBIDDEN("forbidden"),
    /** An {@code auth} frame on a connection that is already authenticated. */
    ALREADY_AUTHENTICATED("already_authenticated"),
    /** A {@code refresh} token is missing, invalid, expired, or names another user. */
    INVALID_TOKEN("invalid_token"),
    /** The backplane refused or failed the publish; the message was not delivered anywhere. */
    BACKPLANE_UNAVAILABLE("backplane_unavailable");

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
