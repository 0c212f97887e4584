package io.chorus.loadgen;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.HdrHistogram.Histogram;

import io.chorus.testing.ReplicaProcess;

/**
 * The Chorus load generator (issue 8): opens N WebSocket connections over several replicas and loopback source
 * addresses, joins rooms, publishes at a target rate (or ramps to find the highest sustainable one), and reports
 * delivered messages/s, end-to-end latency percentiles, loss and duplicates, connect time and server memory per
 * connection, as {@code report.json} plus SVG charts.
 * <p>
 * Every run is bounded (connections, publishing time, a hard {@code --max-run} deadline), targets loopback only, and
 * stops by itself, together with the Redis and replicas it started. Run {@code --help} for the options, and see
 * docs/benchmarks.md for the commands behind the published numbers.
 */
public final class LoadGenerator {

    /** How long every replica has run before the memory baseline ({@link #awaitBaselineAge}). */
    static final Duration BASELINE_AGE = Duration.ofSeconds(12);
    /**
     * How long after the last connect the loaded memory reading is taken. A JVM replica's RSS right after a connect
     * burst still holds the JIT's arenas (C2 compiling the connect path: 15–25 MB of NMT "Compiler" and "Arena Chunk"
     * memory on one replica at 5,000 connects), which the image's options give back within two native-heap trims
     * (5 s each): read 2 s after connecting, that passing growth came out as ~4.5 KiB more per connection at 5,000 than
     * the replica holds once idle. The same age as the baseline's, so both readings are of a settled process.
     */
    static final Duration LOADED_SETTLE = BASELINE_AGE;
    /** How often a replica's RSS is read through the idle window ({@link IdleRss}). */
    static final Duration IDLE_RSS_EVERY = Duration.ofSeconds(2);

    private final LoadOptions options;
    private final PrintStream out;
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private volatile ServerCluster cluster;
    private volatile ClientFleet fleet;
    private volatile ReconnectStorm storm;
    private volatile ProgressDisplay progress;

    LoadGenerator(LoadOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) {
        LoadOptions options;
        try {
            options = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if ("help".equals(e.getMessage())) {
                System.out.print(LoadOptions.USAGE);
                System.exit(0);
            }
            System.err.println("loadgen: " + e.getMessage());
            System.err.print(LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        int code;
        try {
            code = new LoadGenerator(options, System.out).run();
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    int run() throws Exception {
        Path dir = Path.of(options.out()).toAbsolutePath();
        Files.createDirectories(dir);
        Runtime.getRuntime().addShutdownHook(new Thread(this::cleanUp, "loadgen-cleanup"));
        startWatchdog(options.maxRun());
        checkOpenFiles();

        Report report = new Report();
        report.put("scenario", options.scenario().cliName());
        report.put("command", String.join(" ", options.raw().entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue()).toList()));
        report.put("machine", Report.machine());
        report.section("machine").put("loadAverageAtStart", Report.machine().get("loadAverageAtEnd"));

        log("starting servers");
        cluster = options.managedServers() ? ServerCluster.start(options, dir, this::log)
                : ServerCluster.external(options.targets(), options.serverPids());
        List<ServerCluster.Replica> replicas = cluster.replicas();
        if (options.scenario() == Scenario.RECONNECT) {
            return reconnectStorm(report, dir);
        }
        Map<String, Object> setup = report.section("setup");
        setup.put("replicas", replicas.size());
        setup.put("serverCpus", options.serverCpus().isEmpty() ? "not pinned" : options.serverCpus());
        setup.put("redisCpus", options.redisCpus().isEmpty() ? "not pinned" : options.redisCpus());
        setup.put("generatorCpus", affinity());
        setup.put("serverHeap", options.managedServers() ? options.serverHeap() : "external");
        setup.put("serverNice", options.serverNice());
        setup.put("generatorNice", ServerMemoryProbe.nice(ProcessHandle.current().pid()));
        setup.put("server", options.server().cliName());
        setup.put("serverJvmOpts", options.server().isChorus() ? options.serverJvmOpts() : "not a JVM");
        setup.put("serverJava", options.server().isChorus() ? serverJava() : "not a JVM");
        setup.put("generatorMaxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        setup.put("sourceAddresses", options.sourceAddresses());

        Scenario.Plan plan = options.scenario().plan(options.connections(), replicas.size(), options.publishers(),
                options.roomSize());
        setup.put("connections", plan.connections());
        setup.put("publishers", plan.publishers());
        setup.put("rooms", plan.roomNames().length);
        setup.put("fanOutPerMessage", plan.fanOut());
        setup.put("payloadPaddingBytes", options.payloadBytes());

        Map<String, Object> memory = report.section("serverMemory");
        memory.put("baselineSecondsAfterStart", awaitBaselineAge(replicas));
        Map<String, ServerMemoryProbe.Sample> baseline = probeAll(replicas, true, dir, "baseline");
        Map<String, Object> kernel = report.section("kernelTcp");
        kernel.put("baseline", ServerMemoryProbe.tcpSockstat());

        LatencyRecorder latency = new LatencyRecorder();
        DeliveryLedger ledger = new DeliveryLedger(plan.groupOfPublishers());
        List<URI> uris = replicas.stream().map(ServerCluster.Replica::ws).toList();
        fleet = new ClientFleet(plan, uris, options.sourceAddresses(), options.eventLoops(), latency, ledger,
                new PayloadCodec(options.payloadBytes()), options.server());
        ProgressDisplay progress = new ProgressDisplay(fleet, latency, replicas, plan.connections(), out);
        this.progress = progress;
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loadgen-progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> {
            try {
                progress.tick();
            } catch (RuntimeException e) {
                log("progress failed: " + e);
            }
        }, 1, 1, TimeUnit.SECONDS);

        // ---- connect
        progress.phase("connect", false);
        Map<String, double[]> connectCpuStart = cpuAll(replicas);
        long connectStart = System.nanoTime();
        await(fleet.connectAll(options.connectConcurrency()), "connecting");
        double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
        Map<String, Object> connectCpu = cpuDelta(connectCpuStart, cpuAll(replicas), connectSeconds, fleet.open());
        // per accepted connection: the servers' CPU (replicas and Redis) and the generator's own, the rate's cost
        connectCpu.put("serverSideMicrosPerConnection", connectCpu.remove("serverSideMicrosPerDelivery"));
        Map<String, Object> connect = report.section("connect");
        connect.put("target", plan.connections());
        connect.put("open", fleet.open());
        connect.put("failed", fleet.failed());
        connect.put("failures", fleet.connectFailures());
        connect.put("seconds", Report.round(connectSeconds));
        connect.put("perSecond", Math.round(fleet.open() / connectSeconds));
        connect.put("connectTime", LatencyRecorder.summary(fleet.connectTimes()));
        connect.put("cpu", connectCpu);
        log(String.format(Locale.ROOT, "connected %,d of %,d in %.1f s (%d failed)", fleet.open(), plan.connections(),
                connectSeconds, fleet.failed()));

        // ---- join
        String abort = null;
        if (options.scenario().usesRooms()) {
            progress.phase("join", false);
            long joinStart = System.nanoTime();
            Map<String, Object> join = report.section("join");
            try {
                fleet.joinAll(options.connectConcurrency()).get(options.joinTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                abort = String.format(Locale.ROOT, "only %,d of %,d joins were answered within --join-timeout=%ds",
                        fleet.joined(), plan.connections(), options.joinTimeout().toSeconds());
                log(abort);
            } catch (Exception e) {
                abort = "rooms are not usable on this server: " + rootMessage(e)
                        + " (protocol v1 join/room publish, docs/protocol.md)";
                log(abort);
            }
            join.put("joined", fleet.joined());
            join.put("seconds", Report.round((System.nanoTime() - joinStart) / 1e9));
            join.put("joinTime", LatencyRecorder.summary(fleet.joinTimes()));
            join.put("framesReceivedMeanwhile", fleet.otherFrames());
        }

        // ---- memory with every connection open
        progress.phase("settle", false);
        sleep(Duration.ofSeconds(2));
        Map<String, ServerMemoryProbe.Sample> justConnected = probeAll(replicas, false, dir, "just-connected");
        sleep(LOADED_SETTLE.minusSeconds(2));
        memory.put("loadedSecondsAfterConnect", LOADED_SETTLE.toSeconds());
        Map<String, ServerMemoryProbe.Sample> loaded = probeAll(replicas, true, dir, "loaded");
        kernel.put("loaded", ServerMemoryProbe.tcpSockstat());
        for (ServerCluster.Replica replica : replicas) {
            Map<String, Object> entry = memoryEntry(replica, plan, baseline.get(replica.id()), loaded.get(replica.id()));
            ServerMemoryProbe.Sample early = justConnected.get(replica.id());
            if (early != null) {
                entry.put("rssTwoSecondsAfterConnectKiB", early.rssKiB()); // before the JIT's arenas are given back
            }
            memory.put(replica.id(), entry);
        }

        // ---- idle: connected, nothing published
        if (!options.idleWindow().isZero()) {
            progress.phase("idle", false);
            Duration idleAfter = LoadOptions.parseDuration(options.raw().getOrDefault("idle-after", "0s"));
            if (idleAfter.compareTo(LoadOptions.MAX_DURATION) > 0) {
                throw new IllegalArgumentException("--idle-after must be at most " + LoadOptions.MAX_DURATION.toSeconds() + "s");
            }
            sleep(idleAfter);
            Map<String, double[]> idleStart = cpuAll(replicas);
            long commandsStart = cluster.redisCommandsProcessed();
            long idleStartNanos = System.nanoTime();
            Map<String, IdleRss> idleRss = readRssUntil(replicas, idleStartNanos + options.idleWindow().toNanos());
            double idleSeconds = (System.nanoTime() - idleStartNanos) / 1e9;
            long commandsEnd = cluster.redisCommandsProcessed();
            Map<String, Object> idle = cpuDelta(idleStart, cpuAll(replicas), idleSeconds, 0);
            idle.remove("serverSideMicrosPerDelivery");
            idle.put("seconds", Report.round(idleSeconds));
            idle.put("startedSecondsAfterConnecting", idleAfter.toSeconds());
            // the INFO commands that measure this count themselves: one each
            idle.put("redisCommandsPerSecond", commandsStart < 0 || commandsEnd < 0 ? "unknown"
                    : Report.round((commandsEnd - commandsStart - 1) / idleSeconds));
            idle.put("closedByServerSoFar", fleet.closedUnexpectedly());
            addIdleRss(memory, plan, idleRss);
            report.put("idle", idle);
            log("idle: " + idle);
        }

        // ---- publish
        Map<String, Object> publish = report.section("publish");
        List<Map<String, Object>> rampSteps = new ArrayList<>();
        double measuredSeconds = 0;
        long deliveredInWindow = 0;
        boolean drainTimedOut = false;
        Map<String, double[]> cpuStart = cpuAll(replicas);
        long measureStartNanos = System.nanoTime();
        java.time.Instant measureFrom = java.time.Instant.now();
        java.time.Instant measureTo = measureFrom;
        if (abort == null && (options.rate() > 0 || options.ramp() != null)) {
            double firstRate = options.ramp() != null ? options.ramp().start() : options.warmupRate();
            if (!options.warmup().isZero()) {
                progress.phase("warmup", false);
                fleet.publishAt(firstRate);
                sleep(options.warmup());
                // what the warm-up left queued must not be measured as the next phase's latency
                fleet.publishAt(0);
                progress.phase("catch-up", false);
                drain(options.drain());
            }
            cpuStart = cpuAll(replicas);
            long deliveredStart = fleet.delivered();
            measureStartNanos = System.nanoTime();
            measureFrom = java.time.Instant.now();
            if (options.ramp() != null) {
                rampSteps = ramp(progress, latency, plan);
            } else {
                progress.phase("measure", true);
                fleet.publishAt(options.rate());
                sleep(options.duration());
            }
            measuredSeconds = (System.nanoTime() - measureStartNanos) / 1e9;
            measureTo = java.time.Instant.now();
            deliveredInWindow = fleet.delivered() - deliveredStart;
            Map<String, double[]> cpuEnd = cpuAll(replicas);
            fleet.stopPublishing();
            progress.phase("drain", true);
            drainTimedOut = !drain(options.drain());
            report.put("cpuSecondsInMeasuredPhase", cpuDelta(cpuStart, cpuEnd, measuredSeconds, deliveredInWindow));
        }
        progress.phase("done", false);
        ticker.shutdownNow();

        // ---- accounting
        DeliveryLedger.Totals totals = fleet.totals();
        Histogram all = latency.total();
        Histogram cross = latency.totalCrossReplica();
        publish.put("targetRatePerSecond", options.ramp() == null ? options.rate() : "ramp");
        publish.put("sent", fleet.sentTotal());
        publish.put("acked", fleet.acked());
        publish.put("refusedByServer", ledger.rejectedCount());
        publish.put("measuredSeconds", Report.round(measuredSeconds));
        publish.put("scheduleLag", LatencyRecorder.summary(fleet.scheduleLag()));
        Map<String, Object> delivery = report.section("delivery");
        delivery.put("expected", totals.expected());
        delivery.put("received", totals.received());
        delivery.put("distinct", totals.distinct());
        // not received by the end of the drain: lost, or still queued in a replica when the run stopped waiting
        delivery.put("lost", totals.lost());
        delivery.put("drainTimedOut", drainTimedOut);
        delivery.put("duplicated", totals.duplicates());
        delivery.put("misrouted", totals.misrouted());
        delivery.put("outOfOrder", totals.outOfOrder());
        delivery.put("receiversMissingSome", totals.receiversMissingSome());
        delivery.put("foreignMessages", fleet.foreignMessages());
        delivery.put("deliveredPerSecondInMeasuredPhase",
                measuredSeconds == 0 ? 0 : Math.round(deliveredInWindow / measuredSeconds));
        delivery.put("closedByServer", fleet.closedUnexpectedly());
        delivery.put("errors", fleet.errors());
        delivery.put("otherFramesByType", fleet.otherFrames());
        Map<String, Object> latencySection = report.section("latency");
        latencySection.put("all", LatencyRecorder.summary(all));
        latencySection.put("crossReplica", LatencyRecorder.summary(cross));
        if (!rampSteps.isEmpty()) {
            report.put("ramp", rampSteps);
            report.put("highestSustainableRate", rampSteps.stream().filter(s -> Boolean.TRUE.equals(s.get("sustainable")))
                    .map(s -> s.get("ratePerSecond")).reduce((a, b) -> b).orElse(0.0));
        }
        Map<String, ServerMemoryProbe.Sample> end = probeAll(replicas, false, dir, "end");
        for (ServerCluster.Replica replica : replicas) {
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = (Map<String, Object>) memory.get(replica.id());
            entry.put("rssAtEndKiB", end.get(replica.id()).rssKiB());
        }
        if (cluster.redisPid() > 0) {
            memory.put("redis", Map.of("rssKiB", ServerMemoryProbe.statusField(cluster.redisPid(), "VmRSS")));
        }
        if (abort != null) {
            report.put("aborted", abort);
        }
        report.put("checks", checks(plan, memory, delivery, all, cross, measuredSeconds, deliveredInWindow));
        report.put("timeline", timeline(progress.rows()));
        new ReportWriter(dir, this::log).writeJson(report, List.of("connect", "serverMemory", "idle", "delivery",
                "latency", "cpuSecondsInMeasuredPhase", "highestSustainableRate", "checks", "aborted"));
        String title = options.scenario().cliName() + ", " + String.format(Locale.ROOT, "%,d", plan.connections())
                + " conns, " + replicas.size() + " replica" + (replicas.size() > 1 ? "s" : "");
        Report.writeCharts(dir, title, progress.rows(), all, cross);
        cleanUp();
        if (options.jfr() && cluster.managed() && options.server().isChorus()) {
            for (ServerCluster.Replica replica : replicas) {
                Path recording = dir.resolve(replica.id() + ".jfr");
                if (Files.exists(recording)) {
                    JfrHotMethods.write(recording, measureFrom, measureTo, dir.resolve(replica.id() + "-hot-methods.txt"));
                    log("profile of the measured phase: " + dir.resolve(replica.id() + "-hot-methods.txt"));
                }
            }
        }
        return abort == null ? 0 : 1;
    }

    /** {@code --scenario=reconnect}: the storm, its report, and the landing replica's profile of it (with --jfr). */
    private int reconnectStorm(Report report, Path dir) throws Exception {
        if (!cluster.managed() || !options.server().isChorus()) {
            throw new IllegalArgumentException("--scenario=reconnect starts (and kills) Chorus replicas itself: "
                    + "no --targets, no --server");
        }
        storm = new ReconnectStorm(options, cluster, dir, this::log);
        int code = storm.run(report);
        new ReportWriter(dir, this::log).writeJson(report, List.of("connect", "storm", "delivery", "checks"));
        java.time.Instant[] window = ReconnectStorm.window(report);
        ServerCluster.Replica landing = cluster.replicas().get(0);
        cleanUp();
        Path recording = dir.resolve(landing.id() + ".jfr");
        if (options.jfr() && window != null && Files.exists(recording)) {
            JfrHotMethods.write(recording, window[0], window[1], dir.resolve(landing.id() + "-hot-methods.txt"));
            log("profile of the storm on " + landing.id() + ": " + dir.resolve(landing.id() + "-hot-methods.txt"));
        }
        return code;
    }

    /** Ramp steps: raise the rate until a step is not sustainable; each step's numbers. */
    private List<Map<String, Object>> ramp(ProgressDisplay progress, LatencyRecorder latency, Scenario.Plan plan) {
        List<Map<String, Object>> steps = new ArrayList<>();
        double rate = options.ramp().start();
        for (int k = 1; k <= options.ramp().steps(); k++) {
            progress.phase("step" + k, true);
            latency.takeWindow();
            long deliveredBefore = fleet.delivered();
            long expectedBefore = fleet.expectedDeliveries();
            long start = System.nanoTime();
            fleet.publishAt(rate);
            sleep(options.ramp().step());
            progress.tick();
            double seconds = (System.nanoTime() - start) / 1e9;
            Histogram window = latency.takeWindow();
            long delivered = fleet.delivered() - deliveredBefore;
            long expected = fleet.expectedDeliveries() - expectedBefore;
            double p99 = LatencyRecorder.ms(window, 99);
            boolean sustainable = expected > 0 && delivered >= 0.95 * expected && p99 <= options.sloP99Ms();
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("ratePerSecond", Report.round(rate));
            step.put("expectedDeliveredPerSecond", Math.round(expected / seconds));
            step.put("deliveredPerSecond", Math.round(delivered / seconds));
            step.put("latency", LatencyRecorder.summary(window));
            step.put("sustainable", sustainable);
            steps.add(step);
            log(String.format(Locale.ROOT, "step %d: %.0f msg/s -> delivered %,d/s of %,d/s, p99 %.2f ms: %s", k, rate,
                    Math.round(delivered / seconds), Math.round(expected / seconds), p99,
                    sustainable ? "sustainable" : "NOT sustainable"));
            if (!sustainable) {
                break;
            }
            rate *= options.ramp().factor();
        }
        return steps;
    }

    /** Waits until every expected delivery arrived, or the drain time is over; true when all arrived. */
    private boolean drain(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline && fleet.delivered() < fleet.expectedDeliveries()) {
            sleep(Duration.ofMillis(50));
        }
        return fleet.delivered() >= fleet.expectedDeliveries();
    }

    private Map<String, Object> memoryEntry(ServerCluster.Replica replica, Scenario.Plan plan,
            ServerMemoryProbe.Sample before, ServerMemoryProbe.Sample after) {
        Map<String, Object> entry = new LinkedHashMap<>();
        int connections = plan.connectionsOn(cluster.replicas().indexOf(replica));
        entry.put("pid", replica.pid());
        entry.put("connections", connections);
        if (before == null || after == null || replica.pid() <= 0) {
            entry.put("note", "no PID known: not measured");
            return entry;
        }
        entry.put("gc", options.server().isChorus() ? ServerMemoryProbe.collector(replica.pid()) : "node (V8)");
        entry.put("rssBaselineKiB", before.rssKiB());
        entry.put("rssLoadedKiB", after.rssKiB());
        entry.put("heapUsedBaselineKiB", before.heapUsedKiB());
        entry.put("heapUsedLoadedKiB", after.heapUsedKiB());
        entry.put("threadsLoaded", after.threads());
        if (connections > 0) {
            entry.put("rssPerConnectionKiB", Report.round((after.rssKiB() - before.rssKiB()) / (double) connections));
            entry.put("heapPerConnectionKiB", Report.round((after.heapUsedKiB() - before.heapUsedKiB()) / (double) connections));
            entry.put("rssTotalPerConnectionKiB", Report.round(after.rssKiB() / (double) connections));
        }
        return entry;
    }

    private Map<String, Object> checks(Scenario.Plan plan, Map<String, Object> memory, Map<String, Object> delivery,
            Histogram all, Histogram cross, double seconds, long delivered) {
        Map<String, Object> checks = new LinkedHashMap<>();
        double worstRssPerConnection = 0;
        for (Object value : memory.values()) {
            if (value instanceof Map<?, ?> m && m.get("rssPerConnectionKiB") instanceof Double d) {
                worstRssPerConnection = Math.max(worstRssPerConnection, d);
            }
        }
        checks.put("serverRssPerConnectionUnder10KiB", worstRssPerConnection > 0 && worstRssPerConnection < 10);
        if (seconds > 0) {
            checks.put("deliveredPerSecondAtLeast200k", delivered / seconds >= 200_000);
            checks.put("p99Under50ms", all.getTotalCount() > 0 && all.getValueAtPercentile(99) < 50_000);
            checks.put("crossReplicaP99Under5ms", cross.getTotalCount() > 0 && cross.getValueAtPercentile(99) < 5_000);
        }
        checks.put("noLoss", Long.valueOf(0).equals(delivery.get("lost")));
        checks.put("noDuplicates", Long.valueOf(0).equals(delivery.get("duplicated")));
        checks.put("noMisrouted", Long.valueOf(0).equals(delivery.get("misrouted")));
        return checks;
    }

    private static List<Map<String, Object>> timeline(List<ProgressDisplay.Row> rows) {
        List<Map<String, Object>> timeline = new ArrayList<>();
        for (ProgressDisplay.Row row : rows) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("t", Report.round(row.t()));
            entry.put("phase", row.phase());
            entry.put("open", row.open());
            entry.put("sentPerSecond", row.sentPerSecond());
            entry.put("deliveredPerSecond", row.deliveredPerSecond());
            entry.put("backlog", row.expectedBacklog());
            entry.put("p50Ms", row.latency().p50Ms());
            entry.put("p99Ms", row.latency().p99Ms());
            entry.put("maxMs", row.latency().maxMs());
            entry.put("crossReplicaP99Ms", row.latency().crossP99Ms());
            entry.put("rssKiB", row.rssKiB());
            timeline.add(entry);
        }
        return timeline;
    }

    /**
     * Waits until the youngest replica has run {@link #BASELINE_AGE}: a replica's RSS right after it reports ready
     * still holds its start-up's garbage and malloc arenas (trimmed every 5 s with the image's options), so replicas
     * sampled at different ages had baselines ~12 MB apart, ±2.4 KiB per connection at 5,000. Answers the youngest
     * replica's age at the baseline, in seconds.
     */
    private static long awaitBaselineAge(List<ServerCluster.Replica> replicas) {
        java.time.Instant youngest = java.time.Instant.MIN;
        for (ServerCluster.Replica replica : replicas) {
            java.time.Instant started = replica.pid() <= 0 ? null : ProcessHandle.of(replica.pid())
                    .flatMap(p -> p.info().startInstant()).orElse(null);
            if (started != null && started.isAfter(youngest)) {
                youngest = started;
            }
        }
        if (youngest.equals(java.time.Instant.MIN)) {
            return -1;
        }
        Duration wait = Duration.between(java.time.Instant.now(), youngest.plus(BASELINE_AGE));
        if (!wait.isNegative()) {
            sleep(wait);
        }
        return Duration.between(youngest, java.time.Instant.now()).toSeconds();
    }

    private Map<String, ServerMemoryProbe.Sample> probeAll(List<ServerCluster.Replica> replicas, boolean askedFullGc,
            Path dir, String label) {
        // jcmd attaches by signalling the process (SIGQUIT), which ends a Node peer: JVMs only
        boolean fullGc = askedFullGc && options.server().isChorus();
        Map<String, ServerMemoryProbe.Sample> samples = new LinkedHashMap<>();
        for (ServerCluster.Replica replica : replicas) {
            if (replica.pid() <= 0) {
                continue;
            }
            ServerMemoryProbe.Sample sample = fullGc ? ServerMemoryProbe.afterFullGc(replica.pid())
                    : ServerMemoryProbe.quick(replica.pid());
            samples.put(replica.id(), sample);
            if (fullGc && label.equals("loaded")) {
                // what the per-connection heap is made of: the top of the live class histogram
                String histogram = ServerMemoryProbe.jcmd(replica.pid(), "GC.class_histogram");
                try {
                    Files.writeString(dir.resolve(replica.id() + "-class-histogram-loaded.txt"),
                            String.join("\n", histogram.lines().limit(60).toList()) + "\n");
                } catch (IOException e) {
                    log("could not write the class histogram: " + e);
                }
            }
            if (fullGc && options.serverJvmOpts().contains("NativeMemoryTracking")) {
                try {
                    Files.writeString(dir.resolve(replica.id() + "-nmt-" + label + ".txt"),
                            ServerMemoryProbe.jcmd(replica.pid(), "VM.native_memory", "summary"));
                } catch (IOException e) {
                    log("could not write NMT summary: " + e);
                }
            }
            log(String.format(Locale.ROOT, "%s %s: rss %,d KiB, heap used %,d KiB, threads %d", label, replica.id(),
                    sample.rssKiB(), sample.heapUsedKiB(), sample.threads()));
        }
        return samples;
    }

    /** CPU seconds so far: {@code [user, system]} per replica, Redis and the generator; {@code [busy, 0]} for the machine. */
    private Map<String, double[]> cpuAll(List<ServerCluster.Replica> replicas) {
        Map<String, double[]> cpu = new LinkedHashMap<>();
        for (ServerCluster.Replica replica : replicas) {
            if (replica.pid() > 0) {
                cpu.put(replica.id(), ServerMemoryProbe.cpuSplit(replica.pid()));
            }
        }
        if (cluster.redisPid() > 0) {
            cpu.put("redis", ServerMemoryProbe.cpuSplit(cluster.redisPid()));
        }
        cpu.put("generator", ServerMemoryProbe.cpuSplit(ProcessHandle.current().pid()));
        cpu.put("machine", new double[] { ServerMemoryProbe.machineBusySeconds(), 0 });
        return cpu;
    }

    private static Map<String, Object> cpuDelta(Map<String, double[]> start, Map<String, double[]> end, double seconds,
            long delivered) {
        Map<String, Object> cpu = new LinkedHashMap<>();
        double servers = 0;
        double ours = 0;
        for (String key : start.keySet()) {
            double[] a = start.get(key);
            double[] b = end.getOrDefault(key, a);
            double user = b[0] - a[0];
            double system = b[1] - a[1];
            double used = user + system;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("cpuSeconds", Report.round(used));
            entry.put("cores", seconds > 0 ? Report.round(used / seconds) : 0);
            if (!key.equals("machine")) {
                entry.put("userSeconds", Report.round(user));
                entry.put("systemSeconds", Report.round(system));
            }
            if (key.equals("machine")) {
                // what the rest of the machine (other builds, tests) took meanwhile: the noise of this measurement
                entry.put("otherProcessesCores", seconds > 0 ? Report.round((used - ours) / seconds) : 0);
            } else {
                ours += used;
            }
            cpu.put(key, entry);
            if (!key.equals("generator") && !key.equals("machine")) {
                servers += used;
            }
        }
        cpu.put("serverSideMicrosPerDelivery", delivered > 0 ? Report.round(servers * 1e6 / delivered) : 0);
        return cpu;
    }

    private void checkOpenFiles() {
        long limit = Report.openFilesLimit();
        if (limit <= 0) {
            return;
        }
        int needed = options.connections() + 512;
        if (needed > limit) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%,d connections need about %,d open files but this process may open %,d: raise `ulimit -n` "
                            + "(hard limit: `ulimit -Hn`), or open fewer connections",
                    options.connections(), needed, limit));
        }
    }

    private void startWatchdog(Duration maxRun) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(maxRun.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("loadgen: --max-run of " + maxRun.toSeconds() + " s reached: stopping everything");
            ClientFleet running = fleet;
            if (running != null && progress != null) {
                System.err.printf(Locale.ROOT,
                        "loadgen: stopped in phase %s: %,d open, %,d failed, %,d joined, %,d sent, %,d delivered, "
                                + "frames not read: %s%n",
                        progress.phase(), running.open(), running.failed(), running.joined(), running.sentTotal(),
                        running.delivered(), running.otherFrames());
            }
            cleanUp();
            Runtime.getRuntime().halt(3);
        }, "loadgen-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Closes the connections, then stops the processes this run started (by PID). Idempotent. */
    private void cleanUp() {
        if (!cleanedUp.compareAndSet(false, true)) {
            return;
        }
        try {
            if (fleet != null) {
                fleet.close();
            }
            if (storm != null) {
                storm.close();
            }
        } catch (RuntimeException e) {
            System.err.println("loadgen: closing clients failed: " + e);
        }
        if (cluster != null) {
            cluster.close();
        }
        ServerCluster.stopEverythingLaunched(); // also what a cluster still starting had launched
    }

    private void await(CompletableFuture<Void> future, String what) throws Exception {
        try {
            future.get(options.maxRun().toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not finish in time", e);
        }
    }

    /** The JDK that runs Chorus replicas, with its version (from its {@code release} file). */
    private static String serverJava() {
        Path home = Path.of(ReplicaProcess.javaHome());
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    return home + " (" + line.substring("JAVA_VERSION=".length()).replace("\"", "") + ")";
                }
            }
        } catch (IOException e) {
            // no release file: the home alone says which JDK
        }
        return home.toString();
    }

    private static String affinity() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring("Cpus_allowed_list:".length()).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "?";
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage();
    }

    private void log(String line) {
        out.println("[loadgen] " + line);
    }

    /**
     * Reads every replica's RSS every {@link #IDLE_RSS_EVERY} until {@code endNanos} (System.nanoTime()), or until the
     * run is interrupted (its deadline), as the plain wait did.
     */
    private static Map<String, IdleRss> readRssUntil(List<ServerCluster.Replica> replicas, long endNanos) {
        Map<String, IdleRss> readings = new LinkedHashMap<>();
        replicas.forEach(replica -> readings.put(replica.id(), new IdleRss()));
        long now;
        while ((now = System.nanoTime()) < endNanos && !Thread.currentThread().isInterrupted()) {
            for (ServerCluster.Replica replica : replicas) {
                if (replica.pid() > 0) {
                    readings.get(replica.id()).add(ServerMemoryProbe.statusField(replica.pid(), "VmRSS"));
                }
            }
            sleep(Duration.ofNanos(Math.min(IDLE_RSS_EVERY.toNanos(), endNanos - now)));
        }
        return readings;
    }

    /**
     * Adds to each replica's memory entry the median of its RSS readings through the idle window, and the RSS per
     * connection it gives over the same baseline as {@code rssPerConnectionKiB} (which is one reading).
     */
    private void addIdleRss(Map<String, Object> memory, Scenario.Plan plan, Map<String, IdleRss> readings) {
        for (ServerCluster.Replica replica : cluster.replicas()) {
            IdleRss rss = readings.get(replica.id());
            if (rss == null || rss.readings() == 0 || !(memory.get(replica.id()) instanceof Map<?, ?> found)) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = (Map<String, Object>) found;
            int connections = plan.connectionsOn(cluster.replicas().indexOf(replica));
            entry.put("rssIdleMedianKiB", rss.medianKiB());
            entry.put("rssIdleReadings", rss.readings());
            if (connections > 0 && entry.get("rssBaselineKiB") instanceof Long baseline) {
                entry.put("rssPerConnectionIdleMedianKiB",
                        Report.round((rss.medianKiB() - baseline) / (double) connections));
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
