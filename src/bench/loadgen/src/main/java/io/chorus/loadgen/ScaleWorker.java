package io.chorus.loadgen;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.Recorder;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * One worker process of the multi-process generator ({@link ScaleCoordinator}): holds up to ~16,000 broadcast
 * subscribers (under this machine's hard limit of 20,000 open files per process), bound to a few loopback source
 * address, and behaves like the Chorus client ({@code src/main/js/chorus-client}) when its connection closes:
 * reconnects after a "full jitter" backoff ({@code random(0, min(10 s, 500 ms × 2^attempt))}), each attempt to the
 * next replica of its own list, recovering from its last broadcast position ({@code ?since=&epoch=}).
 * <p>
 * It talks to the coordinator over stdin/stdout lines. Out: {@code connected <open> <failed>} once the first connect
 * round finished; every second {@code tick <open> <delivered> <reconnected> <lastBackNanos> <stableHistogram>
 * <allHistogram> <down> [deliveries by replica,…]} (latencies of that second, {@link HistogramText}; "stable" =
 * clients that never lost their connection; down = clients that lost their connection and have no welcome again yet);
 * {@code joined <members> <failed> <milliseconds>} after {@code rooms}; on {@code report [lastAcked]}: {@code ledger
 * <BroadcastLedger line>}, {@code rooms <RoomLedger line>}, with a last acked offset {@code tails <ClientTails line>},
 * and {@code stats key=value …}. In: {@code rooms <rooms> <size> <rate> <concurrency>} (join the {@link RoomPlan}'s
 * rooms), {@code report [lastAcked]}, then {@code quit} (or end of input). It exits by itself after {@code --max-run}.
 */
public final class ScaleWorker {

    private static final byte[] JOIN_REF_KEY = "\"ref\":\"j\"".getBytes(StandardCharsets.US_ASCII);

    /** One subscriber; its mutable fields are touched only on its connection's event loop. */
    private static final class Client {
        final int index;
        final int global;
        final int home;
        final int stride;
        final ReconnectingClient link;
        /** The replica its current (or latest) connection is to. */
        volatile int replica;
        /** Told the answer to its {@code join} (true: joined), then cleared; null when no join is pending. */
        volatile java.util.function.Consumer<Boolean> joinAnswer;
        volatile int joining = -1;
        /** The room it is a member of on its current connection, or -1. */
        int room = -1;
        long lastRoomOffset = -1;
        int tries;
        boolean everLost;

        Client(int index, int global, int home, int stride, ReconnectingClient link) {
            this.index = index;
            this.global = global;
            this.home = home;
            this.stride = stride;
            this.link = link;
        }
    }

    private final List<URI> replicas;
    private final Vertx vertx;
    /** One client per source address; client {@code i} connects from {@code wsClients[i mod n]}. */
    private final WebSocketClient[] wsClients;
    private final Client[] clients;
    private final BroadcastLedger ledger = new BroadcastLedger();
    private final Recorder stable = new Recorder(LatencyRecorder.HIGHEST_MICROS, 3);
    private final Recorder all = new Recorder(LatencyRecorder.HIGHEST_MICROS, 3);
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger failedFirst = new AtomicInteger();
    private final LongAdder delivered = new LongAdder();
    private final AtomicInteger reconnected = new AtomicInteger();
    private final AtomicInteger down = new AtomicInteger();
    private final AtomicInteger recoveredFalse = new AtomicInteger();
    private final AtomicLong lastBackNanos = new AtomicLong();
    private final LongAdder connectFailures = new LongAdder();
    private final CountsByKey closeCodes = new CountsByKey();
    private volatile boolean closing;
    private final java.util.concurrent.atomic.AtomicLongArray deliveredByReplica;
    private final AtomicInteger joinsRefused = new AtomicInteger();
    private volatile RoomPlan plan;
    private volatile RoomLedger roomLedger = new RoomLedger(1);

    ScaleWorker(List<URI> replicas, List<String> sources, int first, int count, int eventLoops) {
        for (String source : sources) {
            LoadOptions.requireLoopback(source);
        }
        for (URI uri : replicas) {
            LoadOptions.requireLoopback(uri.getHost());
        }
        this.replicas = replicas;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1)
                .setBlockedThreadCheckInterval(10_000));
        // a socket bound to a source address before connecting takes a port no other socket on that address has
        // (bind cannot know the destination), searched in one half of the ephemeral range first: towards ~14,000
        // sockets on one address every bind scans the whole range in the kernel, and the connect rate collapses
        // (measured: 430/s at 50,000 clients, 100/s at 65,000, the workers' CPU 90 % system time). So a few
        // addresses per worker, each holding a few thousand ports
        this.wsClients = new WebSocketClient[sources.size()];
        for (int k = 0; k < sources.size(); k++) {
            wsClients[k] = vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(sources.get(k))
                    .setMaxConnections(count * 2 + 16).setConnectTimeout(10_000).setIdleTimeout(0)
                    .setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false));
        }
        this.clients = new Client[count];
        this.deliveredByReplica = new java.util.concurrent.atomic.AtomicLongArray(replicas.size());
        int n = replicas.size();
        for (int i = 0; i < count; i++) {
            int global = first + i;
            // home replica round robin; each client walks the others in its own order, so the clients of a lost
            // replica spread over the survivors (like clients given shuffled URL lists)
            clients[i] = new Client(i, global, global % n, n == 1 ? 1 : 1 + (global / n) % (n - 1),
                    new ReconnectingClient(ledger, false));
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            o.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        List<URI> targets = new ArrayList<>();
        for (String t : o.get("targets").split(",")) {
            targets.add(URI.create(t));
        }
        long maxRunMs = TimeUnit.SECONDS.toMillis(Long.parseLong(o.getOrDefault("max-run-seconds", "600")));
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(maxRunMs);
                System.err.println("worker: max run reached");
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException e) {
                // ended normally
            }
        }, "worker-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        ScaleWorker worker = new ScaleWorker(targets, List.of(o.get("sources").split(",")), Integer.parseInt(o.get("first")),
                Integer.parseInt(o.get("clients")), Integer.parseInt(o.getOrDefault("event-loops", "2")));
        worker.run(Integer.parseInt(o.getOrDefault("concurrency", "256")));
        System.exit(0);
    }

    void run(int concurrency) throws Exception {
        // ticks from the start: the coordinator sees the connect's progress
        Thread ticker = new Thread(() -> {
            while (!closing) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                say(String.format(Locale.ROOT, "tick %d %d %d %d %s %s %d %s", open.get(), delivered.sum(),
                        reconnected.get(), lastBackNanos.get(), HistogramText.encode(stable.getIntervalHistogram()),
                        HistogramText.encode(all.getIntervalHistogram()), down.get(),
                        counts(deliveredByReplica)));
            }
        }, "worker-ticker");
        ticker.setDaemon(true);
        ticker.start();
        connectAll(concurrency);
        say(String.format(Locale.ROOT, "connected %d %d", open.get(), failedFirst.get()));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null && !line.equals("quit")) {
            if (line.startsWith("rooms ")) {
                String[] parts = line.split(" ");
                joinRooms(new RoomPlan(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                        Double.parseDouble(parts[3])), Integer.parseInt(parts[4]));
            } else if (line.startsWith("report")) {
                say("ledger " + ledger.encode());
                say("rooms " + roomLedger.encode());
                String[] parts = line.split(" ");
                if (parts.length > 1) {
                    say("tails " + tailsAgainst(Long.parseLong(parts[1])).encode());
                }
                StringBuilder stats = new StringBuilder("stats");
                stats.append(" open=").append(open.get()).append(" reconnected=").append(reconnected.get())
                        .append(" recoveredFalse=").append(recoveredFalse.get()).append(" connectFailures=")
                        .append(connectFailures.sum()).append(" delivered=").append(delivered.sum())
                        .append(" joinsRefused=").append(joinsRefused.get());
                closeCodes.snapshot().forEach((code, n) -> stats.append(" close").append(code).append('=').append(n));
                say(stats.toString());
            }
        }
        closing = true;
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // thousands of closing handshakes on a starved machine: the process exits anyway, the report is out
        }
    }

    /**
     * Where every client's broadcast sequence ended against the last acked offset. Read after the run's quiet period,
     * from this thread: a client's last offset is written on its event loop, and is not changing then.
     */
    private ClientTails tailsAgainst(long lastAcked) {
        ClientTails tails = new ClientTails();
        for (Client client : clients) {
            tails.add(client.link.lastOffset(), client.link.connected(), lastAcked);
        }
        return tails;
    }

    /**
     * Every client the plan puts in a room sends its {@code join}, at most {@code concurrency} unanswered at once;
     * then {@code joined <members> <failed> <milliseconds>} goes to the coordinator.
     */
    private void joinRooms(RoomPlan rooms, int concurrency) throws InterruptedException {
        roomLedger = new RoomLedger(rooms.rooms());
        plan = rooms;
        long start = System.nanoTime();
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(concurrency);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        int asked = 0;
        java.util.concurrent.Phaser answers = new java.util.concurrent.Phaser(1);
        for (Client client : clients) {
            int room = rooms.roomOf(client.global);
            WebSocket ws = client.link.ws();
            if (room < 0 || ws == null || ws.isClosed()) {
                continue;
            }
            inFlight.acquire();
            asked++;
            answers.register();
            java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
            client.joining = room;
            client.joinAnswer = joinedIt -> {
                if (answered.compareAndSet(false, true)) {
                    (joinedIt ? ok : failed).incrementAndGet();
                    inFlight.release();
                    answers.arriveAndDeregister();
                }
            };
            ws.writeTextMessage(PayloadCodec.join(RoomPlan.name(room), "j")).onFailure(e -> answerJoin(client, false));
        }
        try {
            answers.awaitAdvanceInterruptibly(answers.arrive(), 3, TimeUnit.MINUTES);
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println("rooms: " + (asked - ok.get() - failed.get()) + " joins unanswered after 3 minutes");
        }
        say(String.format(Locale.ROOT, "joined %d %d %d", ok.get(), asked - ok.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
    }

    private static void answerJoin(Client client, boolean joined) {
        java.util.function.Consumer<Boolean> answer = client.joinAnswer;
        if (answer != null) {
            client.joinAnswer = null;
            answer.accept(joined);
        }
    }

    private void connectAll(int concurrency) throws InterruptedException {
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(concurrency);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(clients.length);
        for (Client client : clients) {
            inFlight.acquire();
            java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
            connect(client, client.home, ok -> {
                if (!answered.compareAndSet(false, true)) {
                    return;
                }
                if (!ok) {
                    failedFirst.incrementAndGet();
                }
                inFlight.release();
                done.countDown();
            });
        }
        done.await(9, TimeUnit.MINUTES);
    }

    private void connect(Client client, int replica, java.util.function.Consumer<Boolean> firstResult) {
        WebSocketConnectOptions options = client.link.connectTo(replicas.get(replica), null);
        wsClients[client.index % wsClients.length].connect(options).onComplete(result -> {
            if (result.failed()) {
                connectFailures.increment();
                client.link.failed(result.cause()); // a 503's Retry-After sets the next delay's floor, as in the JS client
                if (firstResult != null) {
                    firstResult.accept(false);
                } else {
                    retry(client);
                }
                return;
            }
            WebSocket ws = result.result();
            client.link.opened(ws);
            client.replica = replica;
            open.incrementAndGet();
            ws.handler(frame -> onFrame(client, frame, firstResult));
            ws.exceptionHandler(failure -> { });
            ws.closeHandler(v -> {
                open.decrementAndGet();
                if (closing) {
                    return;
                }
                if (!client.link.welcomed() && firstResult != null) {
                    firstResult.accept(false); // closed before its welcome: counted as failed, then retried
                }
                if (client.link.welcomed()) {
                    down.incrementAndGet();
                }
                client.room = -1; // a new connection is in no room (the rooms phase is over before any fault)
                answerJoin(client, false);
                client.link.closed();
                closeCodes.count(String.valueOf(ws.closeStatusCode()));
                client.everLost = true;
                client.link.restartBackoff();
                retry(client);
            });
        });
    }

    /** The Chorus client's reconnect: full jitter, the next replica of this client's order each attempt. */
    private void retry(Client client) {
        if (closing) {
            return;
        }
        long delay = client.link.nextRetryMillis(bound -> ThreadLocalRandom.current().nextLong(bound));
        client.tries++;
        int replica = (client.home + client.stride * client.tries) % replicas.size();
        vertx.setTimer(delay, t -> connect(client, replica, null));
    }

    private void onFrame(Client client, Buffer frame, java.util.function.Consumer<Boolean> firstResult) {
        switch (PayloadCodec.typeOf(frame)) {
            case MESSAGE -> onMessage(client, frame);
            case WELCOME -> {
                long before = client.link.lastOffset();
                if (!client.link.welcome(frame) && recoveredFalse.incrementAndGet() <= 3) {
                    System.err.println("recovered:false after offset " + before + ": "
                            + frame.toString(StandardCharsets.UTF_8));
                }
                if (firstResult != null) {
                    firstResult.accept(true);
                } else {
                    reconnected.incrementAndGet();
                    down.decrementAndGet();
                    lastBackNanos.accumulateAndGet(System.nanoTime(), Math::max);
                }
            }
            case JOINED -> {
                int room = client.joining;
                if (room >= 0 && client.room != room) {
                    client.room = room;
                    client.lastRoomOffset = FrameFields.offsetOf(frame);
                    roomLedger.joined(room);
                    answerJoin(client, true);
                }
            }
            case ERROR -> {
                if (PayloadCodec.indexOf(frame, JOIN_REF_KEY, 0, frame.length()) >= 0) {
                    if (joinsRefused.incrementAndGet() <= 3) {
                        System.err.println("join refused: " + frame.toString(StandardCharsets.UTF_8));
                    }
                    answerJoin(client, false);
                }
            }
            default -> {
                if (PayloadCodec.typeNameOf(frame).equals("gap") && FrameFields.roomOf(frame) != null) {
                    long position = FrameFields.offsetOf(frame);
                    roomLedger.declaredGap(Math.max(0, position - client.lastRoomOffset));
                    client.lastRoomOffset = Math.max(client.lastRoomOffset, position);
                } else if (PayloadCodec.typeNameOf(frame).equals("gap")) {
                    client.link.gap(frame);
                }
            }
        }
    }

    private void onMessage(Client client, Buffer frame) {
        long now = System.nanoTime();
        long offset = FrameFields.offsetOf(frame);
        if (offset <= 0) {
            return;
        }
        String roomName = FrameFields.roomOf(frame);
        if (roomName != null) {
            onRoomMessage(client, frame, roomName, offset, now);
            return;
        }
        if (!client.link.broadcast(frame, offset)) {
            return;
        }
        delivered(client, PayloadCodec.probeOf(frame), now);
    }

    /** A message of a room: counted for its sequence if it is the client's room and the next of its offsets. */
    private void onRoomMessage(Client client, Buffer frame, String roomName, long offset, long now) {
        RoomPlan rooms = plan;
        PayloadCodec.Probe probe = PayloadCodec.probeOf(frame);
        int room = RoomPlan.roomNamed(roomName);
        if (rooms == null || probe == null || room < 0 || room != client.room
                || rooms.roomOfMessage(probe.sequence()) != room) {
            roomLedger.misrouted();
            return;
        }
        if (offset <= client.lastRoomOffset) {
            roomLedger.duplicate();
            return;
        }
        if (client.lastRoomOffset >= 0 && offset > client.lastRoomOffset + 1) {
            roomLedger.hole(offset - client.lastRoomOffset - 1);
        }
        client.lastRoomOffset = offset;
        roomLedger.received(probe.sequence());
        delivered(client, probe, now);
    }

    /** A first delivery: its latency (when it carries a probe) and its count, by the replica it came from. */
    private void delivered(Client client, PayloadCodec.Probe probe, long now) {
        if (probe != null) {
            long micros = Math.max(0, Math.min(LatencyRecorder.HIGHEST_MICROS, (now - probe.sentNanos()) / 1_000));
            all.recordValue(micros);
            if (!client.everLost) {
                stable.recordValue(micros);
            }
        }
        delivered.increment();
        deliveredByReplica.incrementAndGet(client.replica);
    }

    /** Counts as one word of a tick line, {@code [a,b,…]} ({@link ScaleCoordinator#countsOf} reads it back). */
    static String counts(java.util.concurrent.atomic.AtomicLongArray counts) {
        return counts.toString().replace(" ", "");
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
