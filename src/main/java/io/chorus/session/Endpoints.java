package io.chorus.session;

/** The ids of Chorus's two client endpoints, for the upgrade checks and metrics that tell them apart. */
public final class Endpoints {

    /** The native endpoint, {@code /ws} ({@code transport.ChatSocket}). */
    public static final String NATIVE = "chorus";
    /** The Pusher Channels endpoint, {@code /app/{key}} ({@code pusher.PusherSocket}). */
    public static final String PUSHER = "pusher";

    private Endpoints() {
    }

    /** Whether the id is one of Chorus's client endpoints. */
    public static boolean isClient(String endpointId) {
        return NATIVE.equals(endpointId) || PUSHER.equals(endpointId);
    }
}
