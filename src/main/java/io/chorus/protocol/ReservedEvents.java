package io.chorus.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Event names no client and no API caller may send: Pusher's own, {@code pusher:*} and {@code pusher_internal:*}.
 * A room message whose payload is {@code {"event":…,"data":…}} reaches Pusher subscribers as that event, so a payload
 * naming one of these could forge a Pusher protocol event (a fake {@code pusher_internal:member_added}).
 */
public final class ReservedEvents {

    private ReservedEvents() {
    }

    public static boolean isReserved(String event) {
        return event != null && (event.startsWith("pusher:") || event.startsWith("pusher_internal:"));
    }

    /** Whether a message payload names a reserved event ({@code {"event":"pusher:…", …}}). */
    public static boolean named(JsonNode payload) {
        return payload != null && payload.isObject() && payload.path("event").isTextual()
                && isReserved(payload.get("event").textValue());
    }

    /**
     * The reserved event a client's payload names, or null. A payload that holds neither {@code pusher} nor a
     * backslash cannot name one (the {@code event} field and its value would have to be spelled out, unescaped), so
     * only the rare others are parsed.
     */
    public static String namedBy(RawJson payload) {
        String text = payload.text();
        if (text.indexOf('\\') < 0 && !text.contains("pusher")) {
            return null;
        }
        JsonNode tree = payload.tree();
        return named(tree) ? tree.get("event").textValue() : null;
    }

    /** The refusal's text. */
    public static String refusal(String event) {
        return "event names starting with pusher: or pusher_internal: are reserved: " + event;
    }
}
