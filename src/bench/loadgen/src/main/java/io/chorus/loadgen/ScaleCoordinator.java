package io.chorus.loadgen;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * The multi-process generator (issue 19): starts Redis and N replicas ({@link ServerCluster}), W {@link ScaleWorker}
 * processes of ≤ ~16,000 clients each, each with source addresses of its own, and one publisher; then runs
 * the phases (connect, idle, broadcast at 1 and 10 msg/s, rooms, kill -9 of one replica, SIGTERM of another), sampling CPU and RSS of
 * every process from /proc and Redis's INFO, merges the workers' histograms and ledgers, and writes one report
 * ({@code report.md}). Bounded by {@code --max-run} (at most 10 minutes), loopback only; stops everything it started
 * by PID on success, failure or timeout. See docs/benchmarks.md, "100,000 clients over processes".
 */
public final class ScaleCoordinator {

    /** One worker process, and what its latest lines said. */
    private static final class Worker {
        final int index;
        final Process process;
        final int clients;
        final CompletableFuture<int[]> connected = new CompletableFuture<>();
        final CompletableFuture<String> ledger = new CompletableFuture<>();
        final CompletableFuture<String> roomLedger = new CompletableFuture<>();
        final CompletableFuture<String> tails = new CompletableFuture<>();
        final CompletableFuture<long[]> joined = new CompletableFuture<>();
        final CompletableFuture<String> stats = new CompletableFuture<>();
        volatile int open;
        volatile long delivered;
        volatile int reconnected;
        volatile long lastBackNanos;
        volatile int down;
        /** Deliveries so far by the replica the client was connected to. */
        volatile long[] byReplica = new long[0];

        Worker(int index, Process process, int clients) {
            this.index = index;
            this.process = process;
            this.clients = clients;
        }
    }

    /** One measured phase: its window, and the latencies that arrived in it. */
    private static final class Phase {
        final String name;
        final Histogram stable = new Histogram(LatencyRecorder.HIGHEST_MICROS, 3);
        final Histogram all = new Histogram(LatencyRecorder.HIGHEST_MICROS, 3);
        final Map<String, Object> facts = new LinkedHashMap<>();
        double peakStableP99Ms;
        String loadAverage;
        long startNanos;
        double seconds;
        long deliveredStart;
        long delivered;
        long[] byReplicaStart;
        /** Deliveries the phase's messages make when every client gets each (0: not waited for), and when its
         * publishing stopped: {@link #end} waits for the backlog to drain, up to {@code --drain-timeout}. */
        long expectDeliveries;
        long publishEndNanos;
        Map<String, double[]> cpuStart;
        Map<String, Double> cores = new LinkedHashMap<>();

        Phase(String name) {
            this.name = name;
        }
    }

    private final Map<String, String> options;
    private final Map<String, Object> setup = Collections.synchronizedMap(new LinkedHashMap<>());
    private final PrintStream out;
    private final Path dir;
    private final List<Worker> workers = Collections.synchronizedList(new ArrayList<>());
    private final ConcurrentSkipListSet<Long> acked = new ConcurrentSkipListSet<>();
    private final AtomicLong sent = new AtomicLong();
    private final ConcurrentSkipListSet<Long> roomAcked = new ConcurrentSkipListSet<>();
    private final AtomicLong roomSent = new AtomicLong();
    private final Map<String, AtomicLong> roomErrors = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private final List<Phase> phases = new ArrayList<>();
    private final Object histogramLock = new Object();
    private final Histogram secondStable = new Histogram(LatencyRecorder.HIGHEST_MICROS, 3);
    private volatile Phase current;
    private volatile ServerCluster cluster;
    private volatile double rate;
    private volatile boolean publishing = true;
    private volatile WebSocket publisher;
    private Vertx vertx;
    private long started = System.nanoTime();

    ScaleCoordinator(Map<String, String> options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.dir = Path.of(options.getOrDefault("out", "target/loadgen/scale")).toAbsolutePath();
    }

    public static void main(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                System.err.println("usage: ScaleCoordinator --clients=20000 --workers=2 --replicas=3 [--idle=20s] "
                        + "[--phase=20s] [--rates=1,10] [--fault-window=60s] [--fault-rate=10] [--faults=true|kill|term|false] [--drain-timeout=90s] [--server-heap=512m] "
                        + "[--worker-heap=512m] [--rooms-phase=true] [--rooms=1000] [--room-size=100] [--room-rate=auto] "
                        + "[--room-publishers=replicas] [--room-presence=false] [--sources-per-worker=4] [--out=target/loadgen/scale] [--max-run=600s]");
                System.exit(2);
            }
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        int code;
        try {
            code = new ScaleCoordinator(options, System.out).run();
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    int run() throws Exception {
        Files.createDirectories(dir);
        Duration maxRun = LoadOptions.parseDuration(options.getOrDefault("max-run", "600s"));
        if (maxRun.compareTo(LoadOptions.MAX_RUN) > 0) {
            throw new IllegalArgumentException("--max-run must be at most 10m");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::cleanUp, "scale-cleanup"));
        startWatchdog(maxRun);
        int clients = Integer.parseInt(options.getOrDefault("clients", "20000"));
        int workerCount = Integer.parseInt(options.getOrDefault("workers", "2"));
        int replicaCount = Integer.parseInt(options.getOrDefault("replicas", "3"));
        if (clients / workerCount > 16_500) {
            throw new IllegalArgumentException("more than 16,500 clients per worker would not fit under 20,000 files");
        }
        Duration idle = LoadOptions.parseDuration(options.getOrDefault("idle", "20s"));
        Duration phase = LoadOptions.parseDuration(options.getOrDefault("phase", "20s"));
        Duration faultWindow = LoadOptions.parseDuration(options.getOrDefault("fault-window", "60s"));
        double faultRate = Double.parseDouble(options.getOrDefault("fault-rate", "10"));
        setup.put("clients", clients);
        setup.put("workers", workerCount);
        setup.put("replicas", replicaCount);
        setup.put("loadAverageAtStart", loadAverage());
        boolean roomsPhase = Boolean.parseBoolean(options.getOrDefault("rooms-phase", "true"));
        RoomPlan plan = roomsPhase ? RoomPlan.forClients(clients, Integer.parseInt(options.getOrDefault("rooms", "0")),
                Integer.parseInt(options.getOrDefault("room-size", "0")),
                Double.parseDouble(options.getOrDefault("room-rate", "0"))) : null;
        if (plan != null) {
            setup.put("roomPlan", plan.rooms() + " rooms of " + plan.size() + " at " + plan.rate() + " msg/s");
        }

        log("starting Redis and " + replicaCount + " replicas");
        String lean = options.getOrDefault("server-jvm-opts",
                "-XX:+UseSerialGC -Xms32m -Xmn16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000");
        if (plan != null && !Boolean.parseBoolean(options.getOrDefault("room-presence", "false"))) {
            // rooms of 100 would push member_joined to every member on every join: 100 x 99 / 2 frames a room, 5
            // million for 1,000 rooms, before the first message. The phase measures messages; presence is still
            // written to Redis on every join, only not announced
            lean += " -Dchorus.presence.max-announced=" + (plan.size() - 1);
        }
        cluster = ServerCluster.start(LoadOptions.parse(new String[] { "--scenario=idle",
                "--replicas=" + replicaCount, "--server-heap=" + options.getOrDefault("server-heap", "512m"),
                "--server-jvm-opts=" + lean, "--out=" + dir, "--max-run=" + maxRun.toSeconds() + "s" }), dir, this::log);
        setup.put("serverJvm", "-Xmx" + options.getOrDefault("server-heap", "512m") + " " + lean);
        List<ServerCluster.Replica> replicas = cluster.replicas();
        Map<String, Long> baselineRss = new LinkedHashMap<>();
        for (ServerCluster.Replica r : replicas) {
            baselineRss.put(r.id(), ServerMemoryProbe.statusField(r.pid(), "VmRSS"));
        }

        // ---- workers
        String targets = String.join(",", replicas.stream().map(r -> r.ws().toString()).toList());
        int first = 0;
        for (int w = 0; w < workerCount; w++) {
            int share = clients / workerCount + (w < clients % workerCount ? 1 : 0);
            String source = sourcesOf(w, Integer.parseInt(options.getOrDefault("sources-per-worker", "4")));
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx" + options.getOrDefault("worker-heap", "512m"), "-XX:+UseSerialGC",
                    "-Dvertx.disableDnsResolver=true", "-cp", System.getProperty("java.class.path"),
                    ScaleWorker.class.getName(), "--targets=" + targets, "--sources=" + source, "--first=" + first,
                    "--clients=" + share, "--max-run-seconds=" + maxRun.toSeconds(),
                    "--concurrency=" + options.getOrDefault("concurrency", "128"));
            Process process = io.chorus.testing.ChildProcesses.launch(new ProcessBuilder(command)
                    .redirectError(dir.resolve("worker" + w + ".err").toFile()));
            Worker worker = new Worker(w, process, share);
            workers.add(worker);
            Thread reader = new Thread(() -> read(worker), "worker" + w + "-reader");
            reader.setDaemon(true);
            reader.start();
            log("worker " + w + " pid " + process.pid() + ": " + share + " clients from " + source);
            first += share;
        }
        Phase connectPhase = begin("connect");
        long connectStart = System.nanoTime();
        Thread sampler = new Thread(this::sample, "scale-sampler");
        sampler.setDaemon(true);
        sampler.start();
        int open = 0, failed = 0;
        for (Worker worker : workers) {
            int[] result = worker.connected.get(maxRun.toSeconds(), TimeUnit.SECONDS);
            open += result[0];
            failed += result[1];
        }
        double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
        setup.put("connected", open);
        setup.put("failedToConnect", failed);
        setup.put("connectSeconds", Report.round(connectSeconds));
        setup.put("connectsPerSecond", Math.round(open / connectSeconds));
        end(connectPhase);
        connectPhase.facts.put("connected", open);
        connectPhase.facts.put("connectsPerSecond", Math.round(open / connectSeconds));
        double replicaCpuSeconds = replicas.stream()
                .mapToDouble(r -> connectPhase.cores.getOrDefault(r.id(), 0.0)).sum() * connectPhase.seconds;
        connectPhase.facts.put("replicaCpuMicrosPerConnect", Math.round(replicaCpuSeconds * 1e6 / Math.max(1, open)));
        connectPhase.facts.put("workerCpuMicrosPerConnect", Math.round(connectPhase.cores.getOrDefault("workers", 0.0)
                * connectPhase.seconds * 1e6 / Math.max(1, open)));
        log(String.format(Locale.ROOT, "connected %,d of %,d in %.1f s", open, clients, connectSeconds));
        int expectedClients = open;

        startPublisher(replicas.get(replicas.size() - 1).ws());
        sleep(Duration.ofSeconds(3));

        // ---- idle
        Phase idlePhase = begin("idle");
        String statsBefore = cluster.redisInfo("stats");
        String cpuBefore = cluster.redisInfo("cpu");
        sleep(idle);
        end(idlePhase);
        idlePhase.facts.put("redisCommandsPerSecond",
                Report.round((infoLong(cluster.redisInfo("stats"), "total_commands_processed")
                        - infoLong(statsBefore, "total_commands_processed") - 2) / idlePhase.seconds));
        String cpuAfter = cluster.redisInfo("cpu");
        idlePhase.facts.put("redisUsedCpuPercent", Report.round(100 * (infoDouble(cpuAfter, "used_cpu_sys")
                + infoDouble(cpuAfter, "used_cpu_user") - infoDouble(cpuBefore, "used_cpu_sys")
                - infoDouble(cpuBefore, "used_cpu_user")) / idlePhase.seconds));
        Files.writeString(dir.resolve("redis-commandstats.txt"), cluster.redisInfo("commandstats"));
        Map<String, Object> rss = new LinkedHashMap<>();
        for (ServerCluster.Replica r : replicas) {
            long now = ServerMemoryProbe.statusField(r.pid(), "VmRSS");
            int onIt = expectedClients / replicas.size();
            rss.put(r.id(), String.format(Locale.ROOT, "%,d KiB (%.1f KiB/connection over the idle baseline)", now,
                    (now - baselineRss.get(r.id())) / (double) onIt));
        }
        idlePhase.facts.put("replicaRss", rss);
        idlePhase.facts.put("redisRssKiB", ServerMemoryProbe.statusField(cluster.redisPid(), "VmRSS"));

        // ---- broadcasts
        for (String each : options.getOrDefault("rates", "1,10").split(",")) {
            if (each.isBlank()) {
                continue;
            }
            double r = Double.parseDouble(each);
            Phase p = begin("broadcast " + each + "/s");
            long before = sent.get();
            rate = r;
            sleep(phase);
            rate = 0;
            p.publishEndNanos = System.nanoTime();
            p.expectDeliveries = (sent.get() - before) * expectedClients;
            end(p);
            sleep(Duration.ofSeconds(3));
        }

        // ---- rooms
        if (plan != null) {
            roomsPhase(plan, replicas, phase);
        }

        // ---- faults
        // --faults: true (kill -9 of r1, then SIGTERM of r2), kill, term, or false
        String faults = options.getOrDefault("faults", "true");
        if (replicas.size() >= 3 && (faults.equals("true") || faults.equals("kill"))) {
            fault("kill -9 " + replicas.get(0).id(), replicas.get(0), true, faultRate, faultWindow, expectedClients);
        }
        if (replicas.size() >= 3 && (faults.equals("true") || faults.equals("term"))) {
            fault("SIGTERM " + replicas.get(1).id(), replicas.get(1), false, faultRate, faultWindow, expectedClients);
        }
        rate = 0;
        publishing = false;
        sleep(Duration.ofSeconds(5)); // what is in flight arrives

        // ---- merge
        List<String> ledgers = new ArrayList<>();
        Map<String, String> stats = new LinkedHashMap<>();
        long lastAcked = acked.isEmpty() ? 0 : acked.last();
        for (Worker worker : workers) {
            tell(worker, "report " + lastAcked);
        }
        List<String> tailLines = new ArrayList<>();
        for (Worker worker : workers) {
            ledgers.add(worker.ledger.get(30, TimeUnit.SECONDS));
            tailLines.add(worker.tails.get(30, TimeUnit.SECONDS));
            stats.put("worker" + worker.index, worker.stats.get(30, TimeUnit.SECONDS));
        }
        BroadcastLedger.Merged merged = BroadcastLedger.merge(ledgers);
        ClientTails tails = ClientTails.merge(tailLines);
        Map<String, Object> roomDelivery = new LinkedHashMap<>();
        Map<Long, Long> roomLost = Map.of();
        if (plan != null) {
            List<String> roomLedgers = new ArrayList<>();
            for (Worker worker : workers) {
                roomLedgers.add(worker.roomLedger.get(30, TimeUnit.SECONDS));
            }
            RoomLedger.Merged rooms = RoomLedger.merge(roomLedgers);
            roomLost = RoomLedger.lostOf(rooms, roomAcked, plan);
            long expectedRoom = 0;
            for (long sequence : roomAcked) {
                expectedRoom += rooms.membersByRoom().getOrDefault(plan.roomOfMessage(sequence), 0L);
            }
            roomDelivery.put("members", rooms.members());
            roomDelivery.put("roomsWithMembers", rooms.membersByRoom().size());
            roomDelivery.put("published", roomSent.get());
            roomDelivery.put("acked", roomAcked.size());
            roomDelivery.put("errors", roomErrors);
            roomDelivery.put("deliveries", rooms.messages().deliveries());
            roomDelivery.put("expectedForAcked", expectedRoom);
            roomDelivery.put("lostDeliveries", roomLost.values().stream().mapToLong(Long::longValue).sum());
            roomDelivery.put("messagesWithLoss", roomLost.size());
            roomDelivery.put("surplus", RoomLedger.surplusOf(rooms, rooms.messages().receivedByOffset().keySet()
                    .stream().map(k -> k - 1).toList(), plan));
            roomDelivery.put("lostCoveredByGapEvents", rooms.messages().declaredGaps());
            roomDelivery.put("duplicates", rooms.messages().duplicates());
            roomDelivery.put("silentHoles", rooms.messages().holes());
            roomDelivery.put("misrouted", rooms.misrouted());
        }
        Map<Long, Long> lost = BroadcastLedger.lostOf(merged, acked, expectedClients);
        Map<String, Object> delivery = new LinkedHashMap<>();
        delivery.put("published", sent.get());
        delivery.put("acked", acked.size());
        delivery.put("deliveriesOfAckedMessages", merged.deliveries());
        delivery.put("expected", (long) acked.size() * expectedClients);
        delivery.put("lostDeliveries", lost.values().stream().mapToLong(Long::longValue).sum());
        delivery.put("offsetsWithLoss", lost.size());
        delivery.put("lostDeliveriesCoveredByGapEvents", merged.declaredGaps());
        delivery.put("duplicates", merged.duplicates());
        delivery.put("silentHoles", merged.holes());
        // per client, against the last acked offset (ClientTails): with no silent holes and no client behind while
        // connected, every connected client got every acked broadcast or a gap event for it
        delivery.put("lastAckedOffset", lastAcked);
        delivery.put("clientsCaughtUp", tails.caughtUp());
        delivery.put("clientsBehindWhileConnected", tails.behindWhileConnected());
        delivery.put("deliveriesMissingFromConnectedClients", tails.missingWhileConnected());
        delivery.put("clientsStillReconnecting", tails.behindWhileDown());
        delivery.put("deliveriesOwedToClientsStillReconnecting", tails.missingWhileDown());
        delivery.put("clientsNeverWelcomed", tails.neverWelcomed());
        delivery.put("noAckedBroadcastLostPerClient", merged.holes() == 0 && tails.behindWhileConnected() == 0);
        delivery.put("workers", stats);
        setup.put("loadAverageAtEnd", loadAverage());
        String report = report(setup, delivery, lost, roomDelivery, roomLost);
        new ReportWriter(dir, this::log).writeMarkdown(report);
        out.println(report);
        cleanUp();
        return 0;
    }

    /**
     * The rooms phase: every client the plan puts in a room joins it (a phase of its own, "join rooms"), then one
     * publisher per replica takes turns publishing to the rooms in order at the plan's rate, for {@code length}.
     */
    private void roomsPhase(RoomPlan plan, List<ServerCluster.Replica> replicas, Duration length) throws Exception {
        Phase joins = begin("join rooms");
        int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "128"));
        for (Worker worker : workers) {
            tell(worker, "rooms " + plan.rooms() + " " + plan.size() + " " + plan.rate() + " " + concurrency);
        }
        long members = 0, failed = 0, slowest = 0;
        for (Worker worker : workers) {
            long[] result = worker.joined.get(200, TimeUnit.SECONDS);
            members += result[0];
            failed += result[1];
            slowest = Math.max(slowest, result[2]);
        }
        joins.facts.put("joined", members);
        joins.facts.put("joinsFailed", failed);
        joins.facts.put("joinSeconds", Report.round(slowest / 1e3));
        joins.facts.put("joinsPerSecond", Math.round(members / Math.max(slowest / 1e3, 1e-3)));
        log(String.format(Locale.ROOT, "joined %,d of %,d room members in %.1f s (%d failed)", members,
                plan.members(), slowest / 1e3, failed));
        end(joins);
        sleep(Duration.ofSeconds(2));

        int count = Integer.parseInt(options.getOrDefault("room-publishers", String.valueOf(replicas.size())));
        List<WebSocket> publishers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            publishers.add(openPublisher(replicas.get(i % replicas.size()).ws(), frame -> {
                switch (PayloadCodec.typeOf(frame)) {
                    case ACK -> {
                        PayloadCodec.Probe ref = PayloadCodec.publishRefOf(frame);
                        if (ref != null) {
                            roomAcked.add(ref.sequence());
                        }
                    }
                    case ERROR -> roomErrors.computeIfAbsent(PayloadCodec.errorCodeOf(frame), k -> new AtomicLong())
                            .incrementAndGet();
                    default -> {
                    }
                }
            }));
        }
        Phase p = begin(String.format(Locale.ROOT, "rooms %s/s", trim(plan.rate())));
        p.facts.put("plan", plan.rooms() + " x " + plan.size() + ", " + plan.deliveriesPerSecond() + " deliveries/s asked");
        PayloadCodec codec = new PayloadCodec(0);
        long period = Math.round(1e9 / plan.rate());
        long start = System.nanoTime();
        long due = start;
        long stop = start + length.toNanos();
        while (due < stop) {
            long now = System.nanoTime();
            if (now < due) {
                LockSupport.parkNanos(Math.min(due - now, TimeUnit.MILLISECONDS.toNanos(1)));
                continue;
            }
            long sequence = roomSent.getAndIncrement();
            int publisher = (int) (sequence % publishers.size());
            publishers.get(publisher).writeTextMessage(
                    codec.publish(RoomPlan.name(plan.roomOfMessage(sequence)), publisher, sequence, due));
            due += period;
        }
        p.publishEndNanos = System.nanoTime();
        p.expectDeliveries = roomSent.get() * plan.size();
        p.facts.put("published", roomSent.get());
        end(p);
        p.facts.put("acked", roomAcked.size());
        for (WebSocket publisher : publishers) {
            publisher.close();
        }
        sleep(Duration.ofSeconds(2));
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    /** Kills ({@code -9}) or stops (SIGTERM, a drain) one replica while publishing, until its clients are back. */
    private void fault(String name, ServerCluster.Replica victim, boolean kill, double faultRate, Duration window,
            int expectedClients) {
        Phase p = begin(name);
        rate = faultRate;
        sleep(Duration.ofSeconds(3));
        long reconnectedBefore = workers.stream().mapToLong(w -> w.reconnected).sum();
        long at = System.nanoTime();
        ProcessHandle.of(victim.pid()).ifPresent(h -> {
            if (kill) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        });
        log(name + " at t=" + Report.round((at - started) / 1e9) + " s");
        long deadline = at + window.toNanos();
        long backAt = -1;
        int peakDown = 0;
        while (System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(250));
            int down = workers.stream().mapToInt(w -> w.down).sum();
            peakDown = Math.max(peakDown, down);
            // a drain closes its connections over a while: "back" once some went down and none is down now
            if (peakDown > 0 && down == 0) {
                backAt = workers.stream().mapToLong(w -> w.lastBackNanos).max().orElse(at);
                break;
            }
        }
        p.facts.put("peakClientsDown", peakDown);
        p.facts.put("reconnected", workers.stream().mapToLong(w -> w.reconnected).sum() - reconnectedBefore);
        p.facts.put("secondsUntilAllBack", backAt < 0 ? "not within " + window.toSeconds() + " s (open: "
                + workers.stream().mapToInt(w -> w.open).sum() + ")" : Report.round((backAt - at) / 1e9));
        sleep(Duration.ofSeconds(5));
        rate = 0;
        end(p);
        sleep(Duration.ofSeconds(3));
    }

    private Phase begin(String name) {
        Phase p = new Phase(name);
        p.loadAverage = loadAverage();
        p.cpuStart = cpu();
        p.startNanos = System.nanoTime();
        p.deliveredStart = workers.stream().mapToLong(w -> w.delivered).sum();
        p.byReplicaStart = deliveredByReplica();
        synchronized (histogramLock) {
            current = p;
        }
        phases.add(p);
        log("phase " + name);
        return p;
    }

    private void end(Phase p) {
        // latencies of messages sent in the phase arrive up to a few seconds later: give them a moment
        sleep(Duration.ofSeconds(2));
        if (p.expectDeliveries > 0) {
            // a phase in backlog: wait until its messages are delivered, so the next phase measures only its own
            long deadline = System.nanoTime() + LoadOptions.parseDuration(options.getOrDefault("drain-timeout", "90s"))
                    .toNanos();
            // or until nothing arrives for 5 s: a room's members can be fewer than its size (a refused join)
            long got = 0, lastGot = -1, lastProgress = System.nanoTime();
            while ((got = workers.stream().mapToLong(w -> w.delivered).sum() - p.deliveredStart) < p.expectDeliveries
                    && System.nanoTime() < deadline && System.nanoTime() - lastProgress < 5_000_000_000L) {
                if (got != lastGot) {
                    lastGot = got;
                    lastProgress = System.nanoTime();
                }
                sleep(Duration.ofMillis(250));
            }
            p.facts.put("deliveriesAsked", p.expectDeliveries);
            p.facts.put(got >= p.expectDeliveries ? "drainedSecondsAfterLastPublish"
                    : System.nanoTime() < deadline ? "quietSecondsAfterLastPublish" : "notDrainedSecondsAfterLastPublish",
                    Report.round((System.nanoTime() - p.publishEndNanos) / 1e9));
        }
        synchronized (histogramLock) {
            current = null;
        }
        p.seconds = (System.nanoTime() - p.startNanos) / 1e9;
        p.delivered = workers.stream().mapToLong(w -> w.delivered).sum() - p.deliveredStart;
        if (p.delivered > 0) {
            long[] now = deliveredByReplica();
            long[] inPhase = new long[now.length];
            for (int i = 0; i < now.length; i++) {
                inPhase[i] = now[i] - (i < p.byReplicaStart.length ? p.byReplicaStart[i] : 0);
            }
            p.facts.put("deliveredByReplica", java.util.Arrays.toString(inPhase));
        }
        Map<String, double[]> cpuEnd = cpu();
        for (String key : p.cpuStart.keySet()) {
            double[] a = p.cpuStart.get(key);
            double[] b = cpuEnd.getOrDefault(key, a);
            if (b[0] + b[1] == 0) {
                b = a; // a replica that is gone: its CPU until it went is not counted
            }
            p.cores.put(key, Report.round((b[0] + b[1] - a[0] - a[1]) / p.seconds));
        }
        log(String.format(Locale.ROOT, "phase %s: %,d delivered in %.1f s, p50 %.1f p99 %.1f max %.1f ms, cores %s",
                p.name, p.delivered, p.seconds, LatencyRecorder.ms(p.all, 50), LatencyRecorder.ms(p.all, 99),
                LatencyRecorder.maxMs(p.all), p.cores));
        writeSoFar();
    }

    /** The report of the phases so far, so a run the watchdog stops still leaves its numbers. */
    private void writeSoFar() {
        try {
            new ReportWriter(dir, this::log).writeMarkdown("(partial: written after phase " + phases.size() + ")\n\n"
                    + report(setup, Map.of(), Map.of(), Map.of(), Map.of()));
        } catch (IOException | RuntimeException e) {
            log("partial report: " + e);
        }
    }

    /** Deliveries so far by the replica the receiving client was connected to, over all workers. */
    private long[] deliveredByReplica() {
        long[] sum = new long[cluster.replicas().size()];
        for (Worker w : workers) {
            long[] one = w.byReplica;
            for (int i = 0; i < Math.min(one.length, sum.length); i++) {
                sum[i] += one[i];
            }
        }
        return sum;
    }

    /** CPU seconds [user, system] of every process of the run, and of the whole machine as [busy, 0]. */
    private Map<String, double[]> cpu() {
        Map<String, double[]> cpu = new LinkedHashMap<>();
        for (ServerCluster.Replica r : cluster.replicas()) {
            cpu.put(r.id(), ProcessHandle.of(r.pid()).isPresent() ? ServerMemoryProbe.cpuSplit(r.pid())
                    : new double[] { 0, 0 });
        }
        cpu.put("redis", ServerMemoryProbe.cpuSplit(cluster.redisPid()));
        double[] workersCpu = new double[2];
        for (Worker w : workers) {
            double[] one = ServerMemoryProbe.cpuSplit(w.process.pid());
            workersCpu[0] += one[0];
            workersCpu[1] += one[1];
        }
        cpu.put("workers", workersCpu);
        cpu.put("coordinator", ServerMemoryProbe.cpuSplit(ProcessHandle.current().pid()));
        cpu.put("machine", new double[] { ServerMemoryProbe.machineBusySeconds(), 0 });
        return cpu;
    }

    private void read(Worker worker) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(worker.process.getInputStream(),
                StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ");
                switch (parts[0]) {
                    case "connected" -> {
                        worker.open = Integer.parseInt(parts[1]);
                        worker.connected.complete(new int[] { Integer.parseInt(parts[1]), Integer.parseInt(parts[2]) });
                    }
                    case "tick" -> {
                        worker.open = Integer.parseInt(parts[1]);
                        worker.delivered = Long.parseLong(parts[2]);
                        worker.reconnected = Integer.parseInt(parts[3]);
                        worker.lastBackNanos = Long.parseLong(parts[4]);
                        worker.down = Integer.parseInt(parts[7]);
                        if (parts.length > 8) {
                            worker.byReplica = countsOf(parts[8]);
                        }
                        Histogram stable = HistogramText.decode(parts[5]);
                        Histogram all = HistogramText.decode(parts[6]);
                        synchronized (histogramLock) {
                            secondStable.add(stable);
                            Phase p = current;
                            if (p != null) {
                                p.stable.add(stable);
                                p.all.add(all);
                            }
                        }
                    }
                    case "ledger" -> worker.ledger.complete(line.substring("ledger ".length()));
                    case "rooms" -> worker.roomLedger.complete(line.substring("rooms ".length()));
                    case "tails" -> worker.tails.complete(line.substring("tails ".length()));
                    case "joined" -> worker.joined.complete(new long[] { Long.parseLong(parts[1]),
                            Long.parseLong(parts[2]), Long.parseLong(parts[3]) });
                    case "stats" -> worker.stats.complete(line.substring("stats ".length()));
                    default -> log("worker " + worker.index + ": " + line);
                }
            }
        } catch (IOException | RuntimeException e) {
            log("worker " + worker.index + " output: " + e);
        }
    }

    /** Each second: the p99 of that second's latencies of the clients that never lost their connection. */
    private void sample() {
        while (!cleanedUp.get()) {
            sleep(Duration.ofSeconds(1));
            double p99;
            long count;
            synchronized (histogramLock) {
                count = secondStable.getTotalCount();
                p99 = LatencyRecorder.ms(secondStable, 99);
                secondStable.reset();
                Phase p = current;
                if (p != null && count > 0) {
                    p.peakStableP99Ms = Math.max(p.peakStableP99Ms, p99);
                }
            }
            int open = workers.stream().mapToInt(w -> w.open).sum();
            long delivered = workers.stream().mapToLong(w -> w.delivered).sum();
            Phase p = current;
            out.printf(Locale.ROOT, "[scale] t=%5.1f %-14s open %,7d delivered %,10d p99(stable, 1 s) %8.1f ms%n",
                    (System.nanoTime() - started) / 1e9, p == null ? "-" : p.name, open, delivered,
                    count == 0 ? 0.0 : p99);
        }
    }

    // ---------------------------------------------------------------- the publisher

    /** A connection of the coordinator's own to {@code replica}, its frames handed to {@code handler}. */
    private WebSocket openPublisher(URI replica, io.vertx.core.Handler<io.vertx.core.buffer.Buffer> handler)
            throws Exception {
        WebSocket ws = vertx.createWebSocketClient(new WebSocketClientOptions().setIdleTimeout(0))
                .connect(new WebSocketConnectOptions().setHost(replica.getHost()).setPort(replica.getPort())
                        .setURI(replica.getPath()))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        ws.handler(handler);
        return ws;
    }

    private void startPublisher(URI replica) throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        PayloadCodec codec = new PayloadCodec(0);
        publisher = openPublisher(replica, frame -> {
            if (PayloadCodec.typeOf(frame) == PayloadCodec.FrameType.ACK) {
                long offset = FrameFields.offsetOf(frame);
                if (offset > 0) {
                    acked.add(offset);
                }
            }
        });
        RatePacer.start("scale-publisher", () -> publishing, () -> rate,
                due -> publisher.writeTextMessage(codec.publish(null, 0, sent.getAndIncrement(), due)));
    }

    // ---------------------------------------------------------------- the report

    private String report(Map<String, Object> setup, Map<String, Object> delivery, Map<Long, Long> lost,
            Map<String, Object> roomDelivery, Map<Long, Long> roomLost) {
        StringBuilder md = new StringBuilder();
        md.append("setup: ").append(setup).append("\n\n");
        md.append("| phase | load avg | s | deliveries/s | p50 ms | p99 ms | max ms | peak 1-s p99 of unaffected clients ms "
                + "| cores: replicas | redis | workers | other processes | facts |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Phase p : phases) {
            double replicaCores = 0;
            StringBuilder each = new StringBuilder();
            for (ServerCluster.Replica r : cluster.replicas()) {
                double c = p.cores.getOrDefault(r.id(), 0.0);
                replicaCores += c;
                each.append(each.length() == 0 ? "" : " + ").append(c);
            }
            double ours = replicaCores + p.cores.getOrDefault("redis", 0.0) + p.cores.getOrDefault("workers", 0.0)
                    + p.cores.getOrDefault("coordinator", 0.0);
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %,d | %.1f | %.1f | %.1f | %.1f | %s = %.2f | %.3f | %.2f | %.2f | %s |%n",
                    p.name, p.loadAverage, p.seconds, Math.round(p.delivered / p.seconds),
                    LatencyRecorder.ms(p.all, 50), LatencyRecorder.ms(p.all, 99), LatencyRecorder.maxMs(p.all),
                    p.peakStableP99Ms, each, replicaCores, p.cores.getOrDefault("redis", 0.0),
                    p.cores.getOrDefault("workers", 0.0), p.cores.getOrDefault("machine", 0.0) - ours, p.facts));
        }
        md.append("\ndelivery: ").append(delivery).append('\n');
        if (!lost.isEmpty()) {
            md.append("offsets with loss (offset=clients missing, first 20): ")
                    .append(lost.entrySet().stream().limit(20).toList()).append('\n');
        }
        if (!roomDelivery.isEmpty()) {
            md.append("\nrooms: ").append(roomDelivery).append('\n');
        }
        if (!roomLost.isEmpty()) {
            md.append("room messages with loss (sequence=members missing, first 20): ")
                    .append(roomLost.entrySet().stream().limit(20).toList()).append('\n');
        }
        return md.toString();
    }

    // ---------------------------------------------------------------- plumbing

    private void tell(Worker worker, String line) {
        try {
            Writer in = new java.io.OutputStreamWriter(worker.process.getOutputStream(), StandardCharsets.US_ASCII);
            in.write(line + "\n");
            in.flush();
        } catch (IOException e) {
            log("worker " + worker.index + " input: " + e);
        }
    }

    private void startWatchdog(Duration maxRun) {
        Thread watchdog = new Thread(() -> {
            sleep(maxRun);
            System.err.println("scale: --max-run of " + maxRun.toSeconds() + " s reached: stopping everything");
            cleanUp();
            Runtime.getRuntime().halt(3);
        }, "scale-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Stops the workers and the servers this run started, by PID. Idempotent. */
    private void cleanUp() {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        publishing = false;
        synchronized (workers) {
            for (Worker worker : workers) {
                tell(worker, "quit");
            }
            for (Worker worker : workers) {
                try {
                    if (!worker.process.waitFor(20, TimeUnit.SECONDS)) {
                        worker.process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    worker.process.destroyForcibly();
                }
            }
        }
        if (vertx != null) {
            vertx.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        ServerCluster.stopEverythingLaunched();
    }

    /**
     * Worker {@code w}'s source addresses, {@code 127.0.<w+2>.1} … {@code 127.0.<w+2>.<n>}: each worker its own, none
     * the servers' 127.0.0.1, and each address ≤ ~4,000 sockets at 16,500 clients a worker.
     */
    static String sourcesOf(int w, int n) {
        StringBuilder sources = new StringBuilder();
        for (int k = 1; k <= n; k++) {
            sources.append(k == 1 ? "" : ",").append("127.0.").append(w + 2).append('.').append(k);
        }
        return sources.toString();
    }

    /** Reads {@link ScaleWorker#counts}' word back. */
    static long[] countsOf(String word) {
        String inner = word.substring(1, word.length() - 1);
        return inner.isEmpty() ? new long[0]
                : java.util.Arrays.stream(inner.split(",")).mapToLong(Long::parseLong).toArray();
    }

    static long infoLong(String info, String field) {
        return (long) infoDouble(info, field);
    }

    static double infoDouble(String info, String field) {
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Double.parseDouble(line.substring(field.length() + 1).trim());
            }
        }
        return 0;
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private void log(String line) {
        out.println("[scale] " + line);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
