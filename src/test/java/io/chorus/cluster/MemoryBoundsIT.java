package io.chorus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.testing.RawWebSocket;
import io.chorus.testing.RedisProcess;
import io.chorus.testing.ReplicaProcess;
import io.chorus.testing.TestClient;

/**
 * No client can exhaust a replica's memory: a replica with a 128 MiB heap faces connections that never read while
 * they recover big messages, never read while big broadcasts flow, and flood big frames without reading the replies
 * (on both endpoints). It survives, a bystander keeps receiving every broadcast, every hostile connection is closed by
 * the server or pushed back by TCP, and once they are gone the heap after a full GC is back at its baseline.
 */
class MemoryBoundsIT {

    private static final int BIG = 60_000;
    private static final String BIG_PAYLOAD = "\"" + "m".repeat(BIG) + "\"";
    private static final Pattern HEAP_USED = Pattern.compile("^\\s*\\S.*?\\s+total \\d+K, used (\\d+)K", Pattern.MULTILINE);

    /** The non-readers' socket receive buffer: the kernel must not take megabytes for them (loopback would). */
    private static final int SMALL_BUFFER = 16 * 1024;
    private static final String API_KEY = "memory-bounds-key";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static RedisProcess redis;
    static ReplicaProcess replica;

    @BeforeAll
    static void start() {
        redis = RedisProcess.start();
        replica = ReplicaProcess.start("small-heap", redis.hosts(), List.of("-Xmx128m"), "chorus.api.key=" + API_KEY,
                "chorus.pusher.apps.main.id=1", "chorus.pusher.apps.main.key=main-key",
                "chorus.pusher.apps.main.secret=main-secret", "chorus.limits.publish-rate=1000",
                "chorus.limits.publish-burst=1000");
    }

    @AfterAll
    static void stop() {
        if (replica != null) {
            replica.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void hostileConnectionsCannotExhaustTheHeapAndABystanderKeepsReceiving() throws Exception {
        try (TestClient bystander = replica.connect("bystander")) {
            JsonNode position = bystander.welcome().path("position");
            publishBig(bystander, 250); // 15 MB of history to recover: more than TCP buffers take
            long baseline = heapAfterGcKiB();

            List<RawWebSocket> hostile = new ArrayList<>();
            List<Flood> floods = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) { // recover all of it, read none of it
                    hostile.add(new RawWebSocket(replica.baseUri(), "/ws?user=recovering-" + i + "&since="
                            + position.path("offset").asLong() + "&epoch=" + position.path("epoch").asText(), SMALL_BUFFER));
                }
                for (int i = 0; i < 5; i++) { // read none of the broadcasts below
                    hostile.add(new RawWebSocket(replica.baseUri(), "/ws?user=deaf-" + i, SMALL_BUFFER));
                }
                String paddedHistory = "{\"type\":\"history\",\"limit\":200,\"pad\":\"" + "p".repeat(BIG) + "\"}";
                for (int i = 0; i < 3; i++) {
                    floods.add(Flood.start(new RawWebSocket(replica.baseUri(), "/ws?user=flood-" + i), paddedHistory));
                }
                String pusherPing = "{\"event\":\"pusher:ping\",\"data\":\"" + "q".repeat(BIG) + "\"}";
                floods.add(Flood.start(new RawWebSocket(replica.baseUri(), "/app/main-key?protocol=7"), pusherPing));

                publishBig(bystander, 300); // the bystander gets every one meanwhile

                for (RawWebSocket deaf : hostile) {
                    assertTrue(closedByServer(deaf, Duration.ofSeconds(30)), "a connection that never read is still open");
                }
                for (Flood flood : floods.subList(0, 3)) { // big replies: TCP pushes back once the server stops reading
                    assertTrue(flood.sent.get() < 2_000, "the server read " + flood.sent.get() + " frames it could not answer");
                }
                // the Pusher pings get tiny pongs: the server may well keep up; what counts is that nothing piles up
            } finally {
                for (Flood flood : floods) {
                    flood.stop();
                }
                for (RawWebSocket socket : hostile) {
                    socket.close();
                }
            }

            assertTrue(replica.isAlive(), "the replica died");
            assertFalse(replica.log().contains("OutOfMemoryError"), "the replica ran out of memory");
            publish("\"after\"");
            assertEquals("after", bystander.next(f -> "message".equals(f.path("type").asText())
                    && "after".equals(f.path("payload").asText()), TestClient.TIMEOUT).path("payload").asText());
            long limit = baseline + baseline / 4 + 8 * 1024;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long heap = heapAfterGcKiB();
            while (heap > limit && System.nanoTime() < deadline) {
                TimeUnit.SECONDS.sleep(2); // connections still closing: their buffers go with them
                heap = heapAfterGcKiB();
            }
            assertTrue(heap <= limit, "heap after GC " + heap + " KiB, baseline " + baseline + " KiB");
        }
    }

    /**
     * Publishes count big broadcasts through the server API (a WebSocket publisher would receive them too) and waits
     * until the bystander has every one of them.
     */
    private static void publishBig(TestClient bystander, int count) throws IOException, InterruptedException {
        for (int i = 0; i < count; i++) {
            publish(BIG_PAYLOAD);
        }
        int received = 0;
        while (received < count) {
            bystander.next(f -> "message".equals(f.path("type").asText()) && f.path("payload").asText().length() == BIG,
                    Duration.ofSeconds(30));
            received++;
        }
    }

    private static void publish(String payloadJson) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(replica.baseUri().resolve("/api/broadcast"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":" + payloadJson + ",\"from\":\"server\"}"))
                .build();
        int status = HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        assertEquals(202, status, "publish through the server API");
    }

    /** Reads whatever the server still sends; whether it then closes the connection within this time. */
    private static boolean closedByServer(RawWebSocket socket, Duration time) throws IOException {
        long deadline = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                socket.awaitCloseCode(); // drains frames up to the close frame, if it was written at all
                return socket.closedByServerWithin(Duration.ofSeconds(5));
            } catch (java.io.EOFException | SocketException e) {
                return true; // closed without (or in the middle of) the close frame: its unwritten bytes were dropped
            } catch (SocketTimeoutException e) {
                // still open: read on
            }
        }
        return false;
    }

    private static long heapAfterGcKiB() {
        jcmd("GC.run");
        Matcher m = HEAP_USED.matcher(jcmd("GC.heap_info"));
        long used = 0;
        while (m.find()) {
            used += Long.parseLong(m.group(1));
        }
        return used;
    }

    private static String jcmd(String command) {
        try {
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(replica.pid()), command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A connection that sends one frame after another as fast as TCP lets it, and reads nothing. */
    static final class Flood implements Runnable {
        final RawWebSocket socket;
        final byte[] frame;
        final AtomicInteger sent = new AtomicInteger();
        final Thread thread;

        private Flood(RawWebSocket socket, String frame) {
            this.socket = socket;
            this.frame = frame.getBytes(StandardCharsets.UTF_8);
            this.thread = new Thread(this, "flood");
            thread.setDaemon(true);
        }

        static Flood start(RawWebSocket socket, String frame) {
            Flood flood = new Flood(socket, frame);
            flood.thread.start();
            return flood;
        }

        @Override
        public void run() {
            try {
                while (sent.get() < 5_000) {
                    socket.sendFrame(0x1, frame);
                    sent.incrementAndGet();
                }
            } catch (IOException closed) {
                // the server closed it, or the test did
            }
        }

        void stop() throws IOException, InterruptedException {
            socket.close(); // unblocks a write TCP holds back
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}
