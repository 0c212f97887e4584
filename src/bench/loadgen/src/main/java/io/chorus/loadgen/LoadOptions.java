package io.chorus.loadgen;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command line of the load generator, {@code --name=value} pairs, with the bounds every run obeys: at most
 * {@link #MAX_CONNECTIONS} connections, at most {@link #MAX_DURATION} of publishing, a hard {@code --max-run} deadline,
 * and loopback addresses only.
 */
record LoadOptions(Scenario scenario, int connections, int replicas, double rate, double warmupRate, int publishers,
        int roomSize,
        Duration duration, Duration warmup, Duration drain, Duration joinTimeout, int sources, int connectConcurrency, Ramp ramp,
        double sloP99Ms, List<URI> targets, List<Long> serverPids, String jar, String serverHeap,
        String serverJvmOpts, String serverCpus, String redisCpus, int serverNice, boolean jfr, String out, Duration maxRun,
        int eventLoops, int payloadBytes, ServerKind server, Duration idleWindow, Map<String, String> raw) {

    static final int MAX_CONNECTIONS = 200_000;
    static final Duration MAX_DURATION = Duration.ofSeconds(120);
    static final Duration MAX_RUN = Duration.ofMinutes(10);

    /** Rate ramp: start at {@code start} msg/s, multiply by {@code factor} each {@code step}, at most {@code steps}. */
    record Ramp(double start, double factor, Duration step, int steps) {
    }

    static final String USAGE = """
            Usage: LoadGenerator --scenario=idle|broadcast|rooms|hot-room|reconnect [options]
              reconnect: --connections subscribers on the last replica, --publishers on the first publishing at
                         --rate for --warmup; then the last replica is killed (-9) and its clients all reconnect to
                         the first with ?since= (retrying as the JS client does, honouring Retry-After); --duration
                         is the storm window (until all are back), --drain the wait for the last messages
              --connections=N          connections to open (default: idle 10000, broadcast 10000, rooms 10000, hot-room 5000)
              --replicas=N             replicas to start (default: idle 1, else 2)
              --rate=R                 messages published per second, all publishers together (default: idle 1,
                                       broadcast 20, rooms 1000, hot-room 20)
              --warmup-rate=R          publishing rate during the warm-up (default: --rate); a low-rate latency run
                                       warms up at a higher rate so both JVMs have compiled the hot paths
              --publishers=N           publishers for idle, broadcast, hot-room (default 10; idle 1)
              --room-size=N            members per room for rooms (default 5)
              --duration=30s           measured publishing time (max 120s)
              --warmup=20s             publishing before measuring, not in the latency totals (the replicas JIT-compile
                                       the fan-out path in the first 10-15 s)
              --drain=5s               how long to wait for in-flight messages after publishing stops
              --join-timeout=60s       how long every join may take together before the run is aborted
              --ramp=START,FACTOR,STEP instead of --rate: start at START msg/s, multiply by FACTOR every STEP, stop at
                                       the first step that is not sustainable (delivered < 95% of expected, or p99 over
                                       --slo-p99-ms); --ramp-steps=N caps the steps (default 8)
              --slo-p99-ms=50          p99 bound for the ramp
              --sources=4              loopback source addresses 127.0.0.1..127.0.0.N the connections are spread over
              --connect-concurrency=256  connection attempts in flight
              --payload-bytes=0        padding added to each payload
              --event-loops=2          generator event loops
              --server=chorus          the server to start: chorus, or a reference peer of src/bench (ws-ioredis,
                                       socketio; idle, broadcast, rooms, hot-room; run npm ci in its folder first)
              --warm-landing=0         reconnect: connections the landing replica welcomes and closes before the run,
                                       so the storm lands on a warm replica, as a survivor in a cluster is
              --idle-window=0s         after connecting, measure this long with nothing published: CPU of each
                                       replica and of Redis, and Redis commands/s (INFO total_commands_processed)
              --idle-after=0s          wait this long after connecting before the idle window starts (the cost of
                                       idle connections once the connect burst's JIT and GC work has settled)
              --targets=ws://127.0.0.1:8081/ws,…  use running replicas (loopback only) instead of starting them
              --server-pids=PID,…      their PIDs, for the memory probe (with --targets)
              --jar=target/quarkus-app/quarkus-run.jar  the server to start
              --server-heap=1g         -Xms/-Xmx of each replica the generator starts
              --server-jvm-opts='…'    more JVM options for the replicas
              --server-cpus=0          taskset CPU list for the replicas (empty: no pinning)
              --redis-cpus=0           taskset CPU list for redis-server
              --server-nice=0          nice value for redis-server and the replicas (-20..19); a low-load latency run
                                       on a machine shared with builds may use -10 to measure Chorus, not the queue
                                       behind other processes (say so when publishing the numbers)
              --jfr                    record a JFR profile of each replica (settings=profile) into the output folder
              --out=DIR                output folder (default target/loadgen/SCENARIO-TIMESTAMP)
              --max-run=180s           hard deadline for the whole run; the generator stops everything and exits
            """;

    static LoadOptions parse(String... args) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (String arg : args) {
            if (arg.isBlank()) {
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("expected --name=value, got '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            raw.put(name, eq < 0 ? "true" : arg.substring(eq + 1));
        }
        if (raw.containsKey("help")) {
            throw new IllegalArgumentException("help");
        }
        String scenarioName = raw.get("scenario");
        if (scenarioName == null) {
            throw new IllegalArgumentException("--scenario is required");
        }
        Scenario scenario = Scenario.parse(scenarioName);
        Options o = new Options(raw);
        int connections = o.integer("connections", scenario == Scenario.HOT_ROOM ? 5_000 : 10_000);
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("--connections must be 1.." + MAX_CONNECTIONS);
        }
        int replicas = o.integer("replicas", scenario == Scenario.IDLE ? 1 : 2);
        if (replicas < 1 || replicas > 8) {
            throw new IllegalArgumentException("--replicas must be 1..8");
        }
        double defaultRate = switch (scenario) {
            case IDLE -> 1;
            case ROOMS -> 1000;
            default -> 20;
        };
        double rate = o.decimal("rate", defaultRate);
        if (rate < 0 || rate > 1_000_000) {
            throw new IllegalArgumentException("--rate must be 0..1000000");
        }
        double warmupRate = o.decimal("warmup-rate", rate);
        if (warmupRate < 0 || warmupRate > 1_000_000) {
            throw new IllegalArgumentException("--warmup-rate must be 0..1000000");
        }
        int publishers = o.integer("publishers", scenario == Scenario.IDLE ? 1 : 10);
        int roomSize = o.integer("room-size", 5);
        Duration duration = o.duration("duration", Duration.ofSeconds(30));
        if (duration.isNegative() || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("--duration must be at most " + MAX_DURATION.toSeconds() + "s");
        }
        Duration warmup = o.duration("warmup", Duration.ofSeconds(20));
        Duration drain = o.duration("drain", Duration.ofSeconds(5));
        Duration joinTimeout = o.duration("join-timeout", Duration.ofSeconds(60));
        int sources = o.integer("sources", 4);
        if (sources < 1 || sources > 254) {
            throw new IllegalArgumentException("--sources must be 1..254");
        }
        Ramp ramp = null;
        if (raw.containsKey("ramp")) {
            String[] parts = raw.get("ramp").split(",");
            if (parts.length != 3) {
                throw new IllegalArgumentException("--ramp=START,FACTOR,STEP, e.g. --ramp=10,1.5,5s");
            }
            ramp = new Ramp(Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), parseDuration(parts[2]),
                    o.integer("ramp-steps", 8));
            if (ramp.start() <= 0 || ramp.factor() <= 1 || ramp.steps() < 1
                    || ramp.step().multipliedBy(ramp.steps()).compareTo(MAX_DURATION) > 0) {
                throw new IllegalArgumentException("--ramp needs START > 0, FACTOR > 1, steps x STEP <= "
                        + MAX_DURATION.toSeconds() + "s");
            }
        }
        List<URI> targets = new ArrayList<>();
        if (raw.containsKey("targets")) {
            for (String target : raw.get("targets").split(",")) {
                URI uri = URI.create(target.trim());
                requireLoopback(uri.getHost());
                targets.add(uri);
            }
        }
        List<Long> pids = new ArrayList<>();
        if (raw.containsKey("server-pids")) {
            for (String pid : raw.get("server-pids").split(",")) {
                pids.add(Long.parseLong(pid.trim()));
            }
        }
        Duration maxRun = o.duration("max-run", Duration.ofSeconds(180));
        if (maxRun.compareTo(MAX_RUN) > 0) {
            throw new IllegalArgumentException("--max-run must be at most " + MAX_RUN.toMinutes() + "m");
        }
        String out = raw.getOrDefault("out", "target/loadgen/" + scenario.cliName() + "-"
                + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        LoadOptions options = new LoadOptions(scenario, connections, targets.isEmpty() ? replicas : targets.size(), rate,
                warmupRate, publishers, roomSize, duration, warmup, drain, joinTimeout, sources, o.integer("connect-concurrency", 256), ramp,
                o.decimal("slo-p99-ms", 50), List.copyOf(targets), List.copyOf(pids),
                raw.getOrDefault("jar", "target/quarkus-app/quarkus-run.jar"), raw.getOrDefault("server-heap", "1g"),
                raw.getOrDefault("server-jvm-opts", ""), raw.getOrDefault("server-cpus", ""),
                raw.getOrDefault("redis-cpus", ""), o.integer("server-nice", 0),
                Boolean.parseBoolean(raw.getOrDefault("jfr", "false")), out,
                maxRun, o.integer("event-loops", 2), o.integer("payload-bytes", 0),
                ServerKind.parse(raw.getOrDefault("server", "chorus")), o.duration("idle-window", Duration.ZERO),
                Map.copyOf(raw));
        o.rejectUnknown();
        if (!options.server().isChorus() && options.scenario() == Scenario.RECONNECT) {
            throw new IllegalArgumentException("--server=" + options.server().cliName()
                    + " cannot run the reconnect scenario (it recovers through Chorus's history, docs/protocol.md)");
        }
        if (options.idleWindow().compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("--idle-window must be at most " + MAX_DURATION.toSeconds() + "s");
        }
        if (options.serverNice() < -20 || options.serverNice() > 19) {
            throw new IllegalArgumentException("--server-nice must be -20..19");
        }
        return options;
    }

    /** Loopback targets only: this tool never sends load anywhere else. */
    static void requireLoopback(String host) {
        try {
            if (host == null || !InetAddress.getByName(host).isLoopbackAddress()) {
                throw new IllegalArgumentException("only loopback targets are allowed, not " + host);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host, e);
        }
    }

    /** The source addresses, 127.0.0.1 .. 127.0.0.N. */
    List<String> sourceAddresses() {
        List<String> addresses = new ArrayList<>();
        for (int i = 1; i <= sources; i++) {
            addresses.add("127.0.0." + i);
        }
        return addresses;
    }

    boolean managedServers() {
        return targets.isEmpty();
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
        }
        if (t.endsWith("m")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
    }

    /** Reads named values and remembers which were read, so a misspelled option fails instead of being ignored. */
    private static final class Options {
        private static final List<String> KNOWN = List.of("scenario", "ramp", "targets", "server-pids", "jar",
                "server-heap", "server-jvm-opts", "server-cpus", "redis-cpus", "jfr", "out", "ramp-steps", "server",
                "warm-landing", "idle-after");
        private final Map<String, String> raw;
        private final List<String> read = new ArrayList<>(KNOWN);

        Options(Map<String, String> raw) {
            this.raw = raw;
        }

        int integer(String name, int fallback) {
            read.add(name);
            String value = raw.get(name);
            try {
                return value == null ? fallback : Integer.parseInt(value.replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be an integer, not '" + value + "'");
            }
        }

        double decimal(String name, double fallback) {
            read.add(name);
            String value = raw.get(name);
            try {
                return value == null ? fallback : Double.parseDouble(value.replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be a number, not '" + value + "'");
            }
        }

        Duration duration(String name, Duration fallback) {
            read.add(name);
            String value = raw.get(name);
            try {
                return value == null ? fallback : parseDuration(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be a duration like 30s, not '" + value + "'");
            }
        }

        void rejectUnknown() {
            for (String name : raw.keySet()) {
                if (!read.contains(name)) {
                    throw new IllegalArgumentException("unknown option --" + name);
                }
            }
        }
    }
}
