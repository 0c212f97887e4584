package io.chorus.pusher;

/**
 * Checks the {@code auth} of a subscription to a private or presence channel: {@code <key>:<signature>}, where the
 * signature is the HMAC-SHA256, with the app's secret, of {@code <socket_id>:<channel>} (and {@code :<channel_data>}
 * for presence channels) — what the app's auth endpoint computes with a Pusher server SDK.
 */
final class ChannelAuthorization {

    private ChannelAuthorization() {
    }

    static boolean verifies(PusherApp app, String socketId, String channel, String channelData, String auth) {
        if (auth == null) {
            return false;
        }
        int colon = auth.indexOf(':');
        if (colon < 0 || !auth.substring(0, colon).equals(app.key())) {
            return false;
        }
        String signed = socketId + ":" + channel + (channelData == null ? "" : ":" + channelData);
        return HmacSha256.verifies(app.secret(), signed, auth.substring(colon + 1));
    }
}
