package io.chorus.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real WebSocket client (the JDK's, independent of the server's stack) that records every text frame it receives
 * and how the connection closed. Every wait has a timeout.
 */
public final class TestClient implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private volatile boolean reading = true;
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;
    private final JsonNode welcome;

    /** Connects to {@code /ws} of the server at base (e.g. {@code http://localhost:8080/}) as the given user. */
    public static TestClient connect(URI base, String user) {
        String ws = base.toString().replaceFirst("^http", "ws").replaceAll("/$", "");
        return new TestClient(URI.create(ws + "/ws" + (user == null ? "" : "?user=" + user)), true);
    }

    /**
     * Attempts an upgrade and closes at once: 101 when it was accepted, otherwise the HTTP status of the refusal.
     * {@code origin} (may be null) is sent as the Origin header, as a browser would.
     */
    public static int upgradeStatus(URI uri, String origin) {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(TIMEOUT);
        if (origin != null) {
            builder.header("Origin", origin);
        }
        try {
            builder.buildAsync(uri, new WebSocket.Listener() {
            }).join().abort();
            return 101;
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }

    /** Connects to an exact WebSocket URI and does not wait for a welcome (which may never come). */
    public static TestClient connectRaw(URI uri) {
        return new TestClient(uri, false);
    }

    private TestClient(URI uri, boolean waitForWelcome) {
        this.socket = HTTP.newWebSocketBuilder().connectTimeout(TIMEOUT)
                .buildAsync(uri, new Listener()).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
        this.welcome = waitForWelcome ? next() : null;
    }

    public JsonNode welcome() {
        return welcome;
    }

    public void send(String text) {
        socket.sendText(text, true).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    public void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** Publishes a payload to everyone, with a ref, and returns the frame text sent. */
    public String publish(String payloadJson, String ref) {
        String frame = "{\"type\":\"publish\",\"ref\":\"" + ref + "\",\"payload\":" + payloadJson + "}";
        send(frame);
        return frame;
    }

    /** Joins a room and waits for {@code joined}. */
    public void join(String room) {
        send("{\"type\":\"join\",\"room\":\"" + room + "\",\"ref\":\"join-" + room + "\"}");
        JsonNode reply = next(f -> ("joined".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()))
                && ("join-" + room).equals(f.path("ref").asText()), TIMEOUT);
        if (!"joined".equals(reply.path("type").asText())) {
            throw new AssertionError("join failed: " + reply);
        }
    }

    /** Publishes a payload to a room, without a ref. */
    public void publishTo(String room, String payloadJson) {
        send("{\"type\":\"publish\",\"room\":\"" + room + "\",\"payload\":" + payloadJson + "}");
    }

    /** Sends a direct message to a user, without a ref. */
    public void direct(String to, String payloadJson) {
        send("{\"type\":\"direct\",\"to\":\"" + to + "\",\"payload\":" + payloadJson + "}");
    }

    /** Asks for a room's members and returns the user ids of the answer. */
    public java.util.Set<String> members(String room) {
        String ref = "members-" + System.nanoTime();
        send("{\"type\":\"members\",\"room\":\"" + room + "\",\"ref\":\"" + ref + "\"}");
        JsonNode reply = next(f -> ref.equals(f.path("ref").asText()), TIMEOUT);
        java.util.Set<String> users = new java.util.TreeSet<>();
        reply.path("users").forEach(u -> users.add(u.asText()));
        return users;
    }

    /** The next frame, or an AssertionError after the timeout. */
    public JsonNode next() {
        return next(TIMEOUT);
    }

    public JsonNode next(Duration timeout) {
        try {
            JsonNode frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within " + timeout);
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next frame of a type, skipping others; AssertionError after the timeout. */
    public JsonNode next(String type) {
        return next(f -> type.equals(f.path("type").asText()), TIMEOUT);
    }

    public JsonNode next(Predicate<JsonNode> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching frame within " + timeout);
            }
            JsonNode frame = next(Duration.ofNanos(left));
            if (wanted.test(frame)) {
                return frame;
            }
        }
    }

    /** Collects every frame that arrives within the window. */
    public List<JsonNode> framesWithin(Duration window) {
        List<JsonNode> all = new ArrayList<>();
        long deadline = System.nanoTime() + window.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return all;
            }
            try {
                JsonNode frame = frames.poll(left, TimeUnit.NANOSECONDS);
                if (frame != null) {
                    all.add(frame);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return all;
            }
        }
    }

    /** Collects the message events that arrive within the given quiet time. */
    public List<JsonNode> messagesWithin(Duration window) {
        List<JsonNode> messages = new ArrayList<>();
        long deadline = System.nanoTime() + window.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return messages;
            }
            try {
                JsonNode frame = frames.poll(left, TimeUnit.NANOSECONDS);
                if (frame != null && "message".equals(frame.path("type").asText())) {
                    messages.add(frame);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return messages;
            }
        }
    }

    /** Every frame received so far and not yet consumed. */
    public List<JsonNode> drain() {
        List<JsonNode> all = new ArrayList<>();
        frames.drainTo(all);
        return all;
    }

    /** Stops reading from the socket (a client that hangs): the server's frames pile up in TCP buffers. */
    public void stopReading() {
        reading = false;
    }

    /** Reads again, as fast as frames come. */
    public void resumeReading() {
        reading = true;
        socket.request(Long.MAX_VALUE);
    }

    /** The close code the server sent, waiting up to the timeout. */
    public int awaitCloseCode() {
        return closeCode.orTimeout(TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }

    public boolean isClosed() {
        return closeCode.isDone();
    }

    /** Completes with the close code when the server's Close arrives (-1 when the connection failed instead). */
    public CompletionStage<Integer> closing() {
        return closeCode.minimalCompletionStage();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(parse(partial.toString()));
                partial.setLength(0);
            }
            if (reading) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.complete(-1);
        }
    }
}
