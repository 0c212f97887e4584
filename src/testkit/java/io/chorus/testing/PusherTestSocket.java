package io.chorus.testing;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A Pusher protocol 7 client on the JVM, raw JSON over a WebSocket: what pusher-js sends, without Node. Signs
 * private and presence subscriptions itself when given the app's secret, as an app's auth endpoint would.
 */
public final class PusherTestSocket implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestClient socket;
    private final String socketId;
    private final String key;

    private PusherTestSocket(TestClient socket, String key) {
        this.socket = socket;
        this.key = key;
        JsonNode established = socket.next(f -> "pusher:connection_established".equals(f.path("event").asText()),
                TestClient.TIMEOUT);
        this.socketId = TestClient.parse(established.get("data").asText()).get("socket_id").asText();
    }

    /** Connects to {@code /app/<key>?protocol=7} of the server at base and waits for its socket id. */
    public static PusherTestSocket connect(URI base, String key) {
        String ws = base.toString().replaceFirst("^http", "ws").replaceAll("/$", "");
        return new PusherTestSocket(TestClient.connectRaw(URI.create(ws + "/app/" + key + "?protocol=7")), key);
    }

    public String socketId() {
        return socketId;
    }

    /** Sends {@code pusher:subscribe} for a public channel (no signature). */
    public void subscribe(String channel) {
        send("pusher:subscribe", JSON.createObjectNode().put("channel", channel));
    }

    /** Sends {@code pusher:subscribe} signed with the app's secret; {@code channelData} for presence channels. */
    public void subscribe(String channel, String secret, String channelData) {
        String signed = socketId + ":" + channel + (channelData == null ? "" : ":" + channelData);
        ObjectNode data = JSON.createObjectNode().put("channel", channel).put("auth", key + ":" + hmac(secret, signed));
        if (channelData != null) {
            data.put("channel_data", channelData);
        }
        send("pusher:subscribe", data);
    }

    public void unsubscribe(String channel) {
        send("pusher:unsubscribe", JSON.createObjectNode().put("channel", channel));
    }

    /** Sends a client event ({@code client-*}) with its channel and data. */
    public void trigger(String channel, String event, JsonNode data) {
        socket.send(JSON.createObjectNode().put("event", event).put("channel", channel).set("data", data).toString());
    }

    public void send(String event, JsonNode data) {
        socket.send(JSON.createObjectNode().put("event", event).set("data", data).toString());
    }

    /** The next event of this name on this channel (null: any channel), or an AssertionError after the timeout. */
    public JsonNode next(String event, String channel) {
        return next(event, channel, TestClient.TIMEOUT);
    }

    public JsonNode next(String event, String channel, Duration timeout) {
        return socket.next(f -> event.equals(f.path("event").asText())
                && (channel == null || channel.equals(f.path("channel").asText())), timeout);
    }

    /** The answer to a subscription: {@code pusher_internal:subscription_succeeded} or {@code pusher:subscription_error}. */
    public JsonNode subscriptionAnswer(String channel) {
        return socket.next(f -> channel.equals(f.path("channel").asText())
                && f.path("event").asText().matches("pusher_internal:subscription_succeeded|pusher:subscription_error"),
                TestClient.TIMEOUT);
    }

    /** Every frame that arrives within the window. */
    public java.util.List<JsonNode> framesWithin(Duration window) {
        return socket.framesWithin(window);
    }

    /** The hex HMAC-SHA256 of data with the secret, as Pusher signs. */
    public static String hmac(String secret, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
