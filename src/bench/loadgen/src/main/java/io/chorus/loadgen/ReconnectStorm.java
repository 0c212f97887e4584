package io.chorus.loadgen;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * Issue 18's reconnect storm ({@code --scenario=reconnect}): a replica is lost and all its clients land on another
 * at once, recovering what they missed.
 * <p>
 * N broadcast subscribers connect to the last replica and a few publishers to the first; messages flow
 * ({@code --warmup}, at {@code --rate}) so every client has a position; then the last replica is killed with SIGKILL,
 * publishing going on. Every subscriber reconnects at once to the first replica with {@code ?since=&epoch=} of the
 * last broadcast it saw. A refused attempt (HTTP 503 with {@code Retry-After}, docs/protocol.md "Try again later") or
 * a failed one is tried again the way the JavaScript client does ({@link RetryDelay}: full jitter, on top of
 * {@code Retry-After}). The run reports the time until every subscriber was back (welcomed with {@code recovered:
 * true}, its missed broadcasts following), refusals and retries, connections the server closed (before and after
 * their welcome), and whether every broadcast acked meanwhile reached every client exactly once
 * ({@link BroadcastLedger}). The storm window is {@code --duration}; the whole run is bounded by {@code --max-run}.
 */
final class ReconnectStorm implements AutoCloseable {

    /** One client; its mutable fields are touched on its connection's event loop (the volatile ones read elsewhere). */
    private static final class Client {
        final int index;
        final boolean publisher;
        final ReconnectingClient link;
        /** The current connection is to the replica the storm kills. */
        boolean onVictim;
        /** Lost in the storm and not welcomed back yet. */
        volatile boolean lost;
        boolean returned;
        final CompletableFuture<Void> firstWelcome = new CompletableFuture<>();

        Client(int index, boolean publisher, ReconnectingClient link) {
            this.index = index;
            this.publisher = publisher;
            this.link = link;
        }
    }

    private final LoadOptions options;
    private final Scenario.Plan plan;
    private final ServerCluster cluster;
    private final Path dir;
    private final Consumer<String> log;
    private final Vertx vertx;
    private final List<WebSocketClient> wsClients = new ArrayList<>();
    private final Client[] clients;
    private final int publishers;
    private final int victim;
    private final BroadcastLedger ledger = new BroadcastLedger();
    private final StormTally tally;
    private final PayloadCodec codec = new PayloadCodec(0);
    private final ConcurrentSkipListSet<Long> acked = new ConcurrentSkipListSet<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger closedAfterWelcome = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final AtomicLong sent = new AtomicLong();
    private final CountsByKey failedAttempts = new CountsByKey();
    private final CountsByKey closedBeforeWelcome = new CountsByKey();
    private final CountsByKey closedAfterWelcomeCodes = new CountsByKey();
    private final CountsByKey retryAfterSeen = new CountsByKey();
    private final CountsByKey errors = new CountsByKey();
    private volatile boolean storming;
    private volatile boolean closing;
    private volatile double rate;
    private volatile boolean publishing = true;

    ReconnectStorm(LoadOptions options, ServerCluster cluster, Path dir, Consumer<String> log) {
        this.options = options;
        this.cluster = cluster;
        this.dir = dir;
        this.log = log;
        this.plan = Scenario.RECONNECT.plan(options.connections(), cluster.replicas().size(), options.publishers(), 0);
        this.publishers = plan.publishers();
        this.victim = cluster.replicas().size() - 1;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.eventLoops()).setWorkerPoolSize(2)
                .setBlockedThreadCheckInterval(10_000));
        int perSource = plan.connections() / options.sources() + 16;
        for (String source : options.sourceAddresses()) {
            LoadOptions.requireLoopback(source);
            wsClients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(source)
                    .setMaxConnections(perSource * 4).setConnectTimeout(30_000).setIdleTimeout(0)
                    .setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false)));
        }
        this.clients = new Client[plan.connections()];
        for (int c = 0; c < clients.length; c++) {
            clients[c] = new Client(c, c < publishers, new ReconnectingClient(ledger, true));
        }
        this.tally = new StormTally(clients.length - publishers);
    }

    /** Runs the storm and fills the report; 0 when every subscriber was back and nothing was lost. */
    int run(Report report) throws Exception {
        Map<String, Object> setup = report.section("setup");
        setup.put("replicas", cluster.replicas().size());
        setup.put("subscribers", clients.length - publishers);
        setup.put("publishers", publishers);
        setup.put("ratePerSecond", options.rate());
        setup.put("killed", cluster.replicas().get(victim).id());
        setup.put("landingOn", cluster.replicas().get(0).id());
        setup.put("serverHeap", options.serverHeap());
        setup.put("serverJvmOpts", options.serverJvmOpts());
        setup.put("sourceAddresses", options.sourceAddresses());
        setup.put("connectConcurrency", options.connectConcurrency());

        // ---- optionally, the landing replica serves connects first, as a survivor in a real cluster has
        warmLanding(Integer.parseInt(options.raw().getOrDefault("warm-landing", "0")), report);

        // ---- connect: the publishers first (they stay), then the subscribers of the replica to be lost
        long connectStart = System.nanoTime();
        connectAll(options.connectConcurrency());
        Map<String, Object> connect = report.section("connect");
        connect.put("seconds", Report.round((System.nanoTime() - connectStart) / 1e9));
        connect.put("open", open.get());
        connect.put("failedAttempts", failedAttempts.snapshot());
        connect.put("refused", refused.sum());
        log.accept(String.format(Locale.ROOT, "connected %,d in %.1f s", open.get(), (System.nanoTime() - connectStart) / 1e9));

        // ---- messages flow, so every client has a position
        startPublishing();
        rate = options.rate();
        sleep(options.warmup());

        // ---- the storm: the last replica is killed, its clients land on the first at once
        failedAttempts.clear();
        long refusedBefore = refused.sum();
        ServerCluster.Replica lost = cluster.replicas().get(victim);
        ServerCluster.Replica landing = cluster.replicas().get(0);
        double[] cpuBefore = ServerMemoryProbe.cpuSplit(landing.pid());
        double[] redisBefore = cluster.redisPid() > 0 ? ServerMemoryProbe.cpuSplit(cluster.redisPid()) : null;
        storming = true;
        long lostAt = System.nanoTime();
        java.time.Instant stormFrom = java.time.Instant.now();
        ProcessHandle.of(lost.pid()).ifPresent(ProcessHandle::destroyForcibly);
        log.accept("kill -9 " + lost.id() + " (pid " + lost.pid() + "): its clients reconnect to " + landing.id());
        List<Map<String, Object>> timeline = new ArrayList<>();
        long deadline = lostAt + options.duration().toNanos();
        int subscribers = clients.length - publishers;
        while (System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(250));
            int back = tally.backCount();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("t", Report.round((System.nanoTime() - lostAt) / 1e9));
            row.put("back", back);
            row.put("open", open.get());
            row.put("refused", refused.sum() - refusedBefore);
            timeline.add(row);
            if (timeline.size() % 4 == 0 || back == subscribers) {
                log.accept(String.format(Locale.ROOT, "t=%5.1f s back %,d of %,d, open %,d, refused %,d, closed after welcome %d",
                        (System.nanoTime() - lostAt) / 1e9, back, subscribers, open.get(), refused.sum() - refusedBefore,
                        closedAfterWelcome.get()));
            }
            if (back == subscribers) {
                break;
            }
        }
        java.time.Instant stormTo = java.time.Instant.now();
        double stormSeconds = (System.nanoTime() - lostAt) / 1e9;
        double[] cpuAfter = ServerMemoryProbe.cpuSplit(landing.pid());
        double[] redisAfter = cluster.redisPid() > 0 ? ServerMemoryProbe.cpuSplit(cluster.redisPid()) : null;
        sleep(Duration.ofSeconds(2)); // messages keep flowing to everyone once they are back

        // ---- stop publishing, let what was acked arrive everywhere
        publishing = false;
        long drainDeadline = System.nanoTime() + options.drain().toNanos();
        while (System.nanoTime() < drainDeadline && !allHaveTheLastAcked()) {
            sleep(Duration.ofMillis(100));
        }

        Map<String, Object> storm = report.section("storm");
        storm.putAll(tally.summary(lostAt));
        storm.put("refused503", refused.sum() - refusedBefore);
        storm.put("retryAfterSeen", retryAfterSeen.snapshot());
        storm.put("retries", retries.sum());
        storm.put("failedAttempts", failedAttempts.snapshot());
        storm.put("closedBeforeWelcome", closedBeforeWelcome.snapshot());
        storm.put("closedByServerAfterWelcome", closedAfterWelcome.get());
        storm.put("closedByServerAfterWelcomeCodes", closedAfterWelcomeCodes.snapshot());
        storm.put("errors", errors.snapshot());
        storm.put("windowSeconds", Report.round(stormSeconds));
        storm.put("landingReplicaCores", Report.round((cpuAfter[0] + cpuAfter[1] - cpuBefore[0] - cpuBefore[1]) / stormSeconds));
        if (redisBefore != null) {
            storm.put("redisCores", Report.round((redisAfter[0] + redisAfter[1] - redisBefore[0] - redisBefore[1]) / stormSeconds));
        }
        storm.put("landingReplicaLog", logFindings(dir.resolve(landing.id() + ".log")));
        storm.put("timeline", timeline);

        BroadcastLedger.Merged merged = BroadcastLedger.merge(List.of(ledger.encode()));
        Map<Long, Long> lostOffsets = BroadcastLedger.lostOf(merged, acked, clients.length);
        Map<String, Object> delivery = report.section("delivery");
        delivery.put("published", sent.get());
        delivery.put("acked", acked.size());
        delivery.put("clients", clients.length);
        delivery.put("expected", (long) acked.size() * clients.length);
        delivery.put("deliveriesOfAckedMessages", merged.deliveries());
        delivery.put("offsetsWithLoss", lostOffsets.size());
        delivery.put("lostDeliveries", lostOffsets.values().stream().mapToLong(Long::longValue).sum());
        delivery.put("duplicates", merged.duplicates());
        delivery.put("holes", merged.holes());
        delivery.put("declaredGaps", merged.declaredGaps());
        if (!lostOffsets.isEmpty()) {
            delivery.put("firstOffsetsWithLoss", new TreeMap<>(lostOffsets).entrySet().stream().limit(10).toList());
        }
        Map<String, Object> checks = report.section("checks");
        checks.put("allBackWithin10s", storm.get("allBackWithin10s"));
        checks.put("noneClosedAfterWelcome", closedAfterWelcome.get() == 0);
        checks.put("noLoss", lostOffsets.isEmpty() && merged.holes() == 0 && merged.declaredGaps() == 0);
        checks.put("noDuplicates", merged.duplicates() == 0);
        report.put("stormWindow", Map.of("from", stormFrom.toString(), "to", stormTo.toString()));
        boolean ok = tally.backCount() == subscribers && lostOffsets.isEmpty() && merged.duplicates() == 0;
        return ok ? 0 : 1;
    }

    /** The window of the storm, for the landing replica's profile. */
    static java.time.Instant[] window(Report report) {
        @SuppressWarnings("unchecked")
        Map<String, Object> window = (Map<String, Object>) report.root().get("stormWindow");
        return window == null ? null
                : new java.time.Instant[] { java.time.Instant.parse((String) window.get("from")),
                        java.time.Instant.parse((String) window.get("to")) };
    }

    // ---------------------------------------------------------------- connecting

    private void connectAll(int concurrency) throws Exception {
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(concurrency);
        for (Client client : clients) {
            inFlight.acquire();
            client.firstWelcome.whenComplete((ok, failure) -> inFlight.release());
            connect(client, client.publisher ? 0 : victim);
        }
        CompletableFuture.allOf(java.util.Arrays.stream(clients).map(c -> c.firstWelcome)
                .toArray(CompletableFuture[]::new)).get(options.maxRun().toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * {@code --warm-landing=N}: N connections to the landing replica, each closed once welcomed, before anything else
     * — so the storm lands on a replica whose connect path has run (compiled) before, as a survivor's has in a real
     * cluster, instead of on one that has only ever held the publishers.
     */
    private void warmLanding(int count, Report report) throws Exception {
        if (count <= 0) {
            return;
        }
        long start = System.nanoTime();
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(options.connectConcurrency());
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(count);
        AtomicInteger welcomed = new AtomicInteger();
        URI uri = cluster.replicas().get(0).ws();
        for (int i = 0; i < count && !closing; i++) {
            inFlight.acquire();
            WebSocketConnectOptions connect = new WebSocketConnectOptions().setHost(uri.getHost()).setPort(uri.getPort())
                    .setURI(uri.getRawPath() + "?user=warm-" + i);
            wsClients.get(i % wsClients.size()).connect(connect).onComplete(result -> {
                if (result.failed()) {
                    inFlight.release();
                    done.countDown();
                    return;
                }
                WebSocket ws = result.result();
                ws.closeHandler(v -> {
                    inFlight.release();
                    done.countDown();
                });
                ws.handler(frame -> {
                    if (PayloadCodec.typeOf(frame) == PayloadCodec.FrameType.WELCOME) {
                        welcomed.incrementAndGet();
                        ws.close();
                    }
                });
            });
        }
        done.await(options.maxRun().toSeconds(), TimeUnit.SECONDS);
        Map<String, Object> warm = report.section("warmLanding");
        warm.put("connections", count);
        warm.put("welcomed", welcomed.get());
        warm.put("seconds", Report.round((System.nanoTime() - start) / 1e9));
        log.accept(String.format(Locale.ROOT, "warmed the landing replica: %,d of %,d welcomed and closed in %.1f s",
                welcomed.get(), count, (System.nanoTime() - start) / 1e9));
    }

    private void connect(Client client, int replica) {
        if (closing) {
            return;
        }
        WebSocketConnectOptions connect = client.link.connectTo(cluster.replicas().get(replica).ws(), "lg-" + client.index);
        wsClients.get(client.index % wsClients.size()).connect(connect).onComplete(result -> {
            if (result.failed()) {
                failed(client, result.cause());
                return;
            }
            WebSocket ws = result.result();
            client.link.opened(ws);
            client.onVictim = replica == victim;
            open.incrementAndGet();
            ws.handler(frame -> onFrame(client, frame));
            ws.exceptionHandler(failure -> errors.count("client exception: " + failure.getClass().getSimpleName()));
            ws.closeHandler(v -> closed(client, ws));
        });
    }

    private void failed(Client client, Throwable cause) {
        int status = client.link.failed(cause);
        if (cause instanceof UpgradeRejectedException rejected) {
            if (status == 503) {
                refused.increment();
            }
            failedAttempts.count("HTTP " + status);
            retryAfterSeen.count(String.valueOf(ReconnectingClient.retryAfterOf(rejected)));
        } else {
            failedAttempts.count(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        retry(client);
    }

    private void closed(Client client, WebSocket ws) {
        open.decrementAndGet();
        if (closing || client.link.ws() != ws) {
            return;
        }
        String code = ws.closeStatusCode() + " " + ws.closeReason();
        if (storming && client.onVictim && !client.publisher && !client.returned) {
            // the replica is gone: back at once, to the survivor, from the last position seen
            client.lost = true;
            client.onVictim = false;
            client.link.restartBackoff();
            connect(client, 0);
            return;
        }
        if (client.link.welcomed()) {
            closedAfterWelcome.incrementAndGet();
            closedAfterWelcomeCodes.count(code);
            if (closedAfterWelcome.get() <= 5) {
                log.accept("client " + client.index + " closed by the server after its welcome: " + code);
            }
        } else {
            closedBeforeWelcome.count(code);
        }
        client.link.closed();
        retry(client);
    }

    /** Tries again after the JavaScript client's delay (full jitter, on top of any Retry-After). */
    private void retry(Client client) {
        if (closing) {
            return;
        }
        retries.increment();
        long delay = client.link.nextRetryMillis(bound -> ThreadLocalRandom.current().nextLong(bound));
        int replica = storming || client.publisher ? 0 : victim;
        vertx.setTimer(delay, t -> connect(client, replica));
    }

    // ---------------------------------------------------------------- receiving

    private void onFrame(Client client, Buffer frame) {
        switch (PayloadCodec.typeOf(frame)) {
            case MESSAGE -> onMessage(client, frame);
            case WELCOME -> welcomed(client, frame);
            case ACK -> {
                long offset = FrameFields.offsetOf(frame);
                if (offset > 0) {
                    acked.add(offset);
                }
            }
            case ERROR -> errors.count("error " + PayloadCodec.errorCodeOf(frame));
            default -> {
                if (PayloadCodec.typeNameOf(frame).equals("gap")) {
                    client.link.gap(frame);
                }
            }
        }
    }

    private void welcomed(Client client, Buffer frame) {
        boolean recoveredAll = client.link.welcome(frame);
        client.firstWelcome.complete(null);
        if (client.lost) {
            client.lost = false;
            client.returned = true;
            tally.back(client.index - publishers, System.nanoTime(), recoveredAll);
        }
    }

    private void onMessage(Client client, Buffer frame) {
        long offset = FrameFields.offsetOf(frame);
        if (offset > 0 && client.link.broadcast(frame, offset)) {
            delivered.increment();
        }
    }

    private boolean allHaveTheLastAcked() {
        if (acked.isEmpty()) {
            return true;
        }
        long last = acked.last();
        for (Client client : clients) {
            if (client.link.lastOffset() < last) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- publishing

    /** Publishes broadcasts at {@link #rate}, round robin over the publishers, until {@link #publishing} ends. */
    private void startPublishing() {
        int[] turn = { 0 };
        long[] sequence = new long[publishers];
        RatePacer.start("storm-publisher", () -> publishing && !closing, () -> rate, due -> {
            int publisher = turn[0];
            WebSocket ws = clients[publisher].link.ws();
            if (ws != null && !ws.isClosed()) {
                ws.writeTextMessage(codec.publish(null, publisher, sequence[publisher]++, due));
                sent.incrementAndGet();
            } else {
                errors.count("publisher not connected");
            }
            turn[0] = (publisher + 1) % publishers;
        });
    }

    // ---------------------------------------------------------------- plumbing

    /** What the landing replica's log says of the storm: its warnings and errors, by kind (first 20 kinds). */
    private static Map<String, Long> logFindings(Path log) {
        Map<String, Long> findings = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.contains(" ERROR ") || line.contains(" WARN ")) {
                    String kind = line.replaceAll("^\\S+\\s+", "").replaceAll("[0-9a-f]{6,}", "#").replaceAll("\\d+", "N");
                    findings.merge(kind.length() > 160 ? kind.substring(0, 160) : kind, 1L, Long::sum);
                }
                if (line.contains("ConnectionPoolTooBusy")) {
                    findings.merge("(lines naming ConnectionPoolTooBusyException)", 1L, Long::sum);
                }
            }
        } catch (IOException e) {
            findings.put("(log not readable: " + e.getMessage() + ")", 1L);
        }
        return findings.entrySet().stream().limit(20).collect(LinkedHashMap::new, (m, e) -> m.put(e.getKey(), e.getValue()),
                Map::putAll);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing = true;
        publishing = false;
        CompletableFuture<Void> closed = new CompletableFuture<>();
        vertx.close().onComplete(v -> closed.complete(null));
        closed.orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
}
