package io.chorus.loadgen;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * The simulated users: non-blocking Vert.x WebSocket clients, one {@link WebSocketClient} per loopback source address
 * (127.0.0.1, .2, …, so the ~28k ephemeral ports of one address pair are not the limit), connection {@code i} on
 * replica {@code plan.replicaOf[i]} and source {@code i % sources}.
 * <p>
 * Frames are read as bytes ({@link PayloadCodec}); each {@code message} with a probe is checked into the connection's
 * {@link DeliveryLedger.Inbox} and its latency recorded. A single pacer thread publishes at the target rate, round
 * robin over the publishers, stamping each message with the time it was <em>due</em>, so a stalled sender shows up as
 * latency instead of silently lowering the rate (no coordinated omission).
 */
final class ClientFleet implements AutoCloseable {

    /** One simulated user. Its mutable fields are touched only on its event loop, except {@code ws} (set once). */
    static final class Client {
        final int index;
        final int replica;
        final String room;
        final DeliveryLedger.Inbox inbox;
        volatile WebSocket ws;
        long startedNanos;
        final CompletableFuture<Void> welcomed = new CompletableFuture<>();
        final CompletableFuture<Void> joined = new CompletableFuture<>();

        Client(int index, int replica, String room, DeliveryLedger.Inbox inbox) {
            this.index = index;
            this.replica = replica;
            this.room = room;
            this.inbox = inbox;
        }
    }

    private final Vertx vertx;
    private final List<WebSocketClient> wsClients = new ArrayList<>();
    private final Scenario.Plan plan;
    private final List<URI> replicaUris;
    private final LatencyRecorder latency;
    private final DeliveryLedger ledger;
    private final PayloadCodec codec;
    private final ServerKind kind;
    private final Client[] clients;
    private final int[] replicaOfPublisher;

    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger closedUnexpectedly = new AtomicInteger();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder misrouted = new LongAdder();
    private final LongAdder foreign = new LongAdder();
    private final LongAdder acked = new LongAdder();
    private final CountsByKey errors = new CountsByKey();
    private final CountsByKey connectFailures = new CountsByKey();
    private final CountsByKey otherFrames = new CountsByKey();
    private final AtomicInteger joined = new AtomicInteger();
    private final Recorder connectMicros = new Recorder(LatencyRecorder.HIGHEST_MICROS, 3);
    private final Recorder joinMicros = new Recorder(LatencyRecorder.HIGHEST_MICROS, 3);
    private final Histogram scheduleLagMicros = new Histogram(LatencyRecorder.HIGHEST_MICROS, 3);

    private final AtomicLongArray sent;
    private final AtomicLong sentTotal = new AtomicLong();
    private final long[] nextSequence;
    private volatile double rate;
    private volatile boolean publishing;
    private volatile boolean closing;
    private Thread pacer;

    ClientFleet(Scenario.Plan plan, List<URI> replicaUris, List<String> sourceAddresses, int eventLoops,
            LatencyRecorder latency, DeliveryLedger ledger, PayloadCodec codec, ServerKind kind) {
        this.plan = plan;
        this.replicaUris = replicaUris;
        this.latency = latency;
        this.ledger = ledger;
        this.codec = codec;
        this.kind = kind;
        this.vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(eventLoops)
                .setWorkerPoolSize(2).setBlockedThreadCheckInterval(10_000));
        int perSource = plan.connections() / sourceAddresses.size() + 1;
        for (String source : sourceAddresses) {
            LoadOptions.requireLoopback(source);
            wsClients.add(vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(source)
                    .setMaxConnections(perSource * 2).setConnectTimeout(30_000).setIdleTimeout(0)
                    .setTryUsePerMessageCompression(false).setTryUsePerFrameCompression(false)
                    .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20)));
        }
        this.clients = new Client[plan.connections()];
        for (int c = 0; c < clients.length; c++) {
            int group = plan.groupOf()[c];
            clients[c] = new Client(c, plan.replicaOf()[c], plan.roomOfConnection(c), ledger.inbox(group));
        }
        this.replicaOfPublisher = new int[plan.publishers()];
        for (int p = 0; p < replicaOfPublisher.length; p++) {
            replicaOfPublisher[p] = plan.replicaOf()[plan.publisherConnections()[p]];
        }
        this.sent = new AtomicLongArray(plan.publishers());
        this.nextSequence = new long[plan.publishers()];
    }

    // ---------------------------------------------------------------- connecting

    /**
     * Opens every connection, at most {@code concurrency} attempts in flight; completes when each has either received
     * its {@code welcome} or failed. Failures are counted, not retried.
     */
    CompletableFuture<Void> connectAll(int concurrency) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Runnable[] launch = new Runnable[1];
        launch[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= clients.length || closing) {
                return;
            }
            connect(clients[i]).whenComplete((ok, failure) -> {
                if (finished.incrementAndGet() == clients.length) {
                    all.complete(null);
                }
                launch[0].run();
            });
        };
        for (int k = 0; k < Math.min(concurrency, clients.length); k++) {
            launch[0].run();
        }
        return all;
    }

    private CompletableFuture<Void> connect(Client client) {
        URI uri = replicaUris.get(client.replica);
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(uri.getHost()).setPort(uri.getPort())
                .setURI(kind.requestUri(uri, client.index));
        client.startedNanos = System.nanoTime();
        wsClients.get(client.index % wsClients.size()).connect(options).onComplete(result -> {
            if (result.failed()) {
                failed.incrementAndGet();
                connectFailures.count(result.cause().getClass().getSimpleName() + ": " + result.cause().getMessage());
                client.welcomed.completeExceptionally(result.cause());
                return;
            }
            WebSocket ws = result.result();
            client.ws = ws;
            ws.handler(frame -> onFrame(client, frame));
            ws.exceptionHandler(failure -> {
                errors.count("client exception: " + failure);
                if (errors.keys() < 20) {
                    System.out.printf("[loadgen] connection %d: %s%n", client.index, failure);
                }
            });
            ws.closeHandler(v -> {
                open.decrementAndGet();
                if (!closing) {
                    closedUnexpectedly.incrementAndGet();
                    errors.count("closed by server: " + ws.closeStatusCode() + " " + ws.closeReason());
                    if (closedUnexpectedly.get() <= 5) {
                        System.out.printf("[loadgen] connection %d (replica %d%s) closed: status %s reason %s%n",
                                client.index, client.replica, isPublisher(client.index) ? ", a publisher" : "",
                                ws.closeStatusCode(), ws.closeReason());
                    }
                    client.welcomed.completeExceptionally(new IllegalStateException("closed " + ws.closeStatusCode()));
                    client.joined.completeExceptionally(new IllegalStateException("closed " + ws.closeStatusCode()));
                }
            });
            open.incrementAndGet();
            if (kind.welcomedOnOpen()) {
                welcome(client);
            }
        });
        return client.welcomed;
    }

    private boolean isPublisher(int index) {
        for (int c : plan.publisherConnections()) {
            if (c == index) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- receiving

    private void welcome(Client client) {
        connectMicros.recordValue(micros(System.nanoTime() - client.startedNanos));
        client.welcomed.complete(null);
    }

    private void onFrame(Client client, Buffer frame) {
        if (!kind.isChorus()) {
            onPeerFrame(client, frame);
            return;
        }
        switch (PayloadCodec.typeOf(frame)) {
            case MESSAGE -> onMessage(client, frame);
            case WELCOME -> welcome(client);
            case JOINED -> joined(client);
            case ACK -> acked.increment();
            case ERROR -> {
                String code = PayloadCodec.errorCodeOf(frame);
                errors.count("error " + code);
                PayloadCodec.Probe refused = PayloadCodec.publishRefOf(frame);
                if (refused != null) {
                    ledger.reject(refused.publisher(), refused.sequence());
                }
                if (!client.joined.isDone() && client.room != null) {
                    client.joined.completeExceptionally(new IllegalStateException("join answered with error " + code));
                }
            }
            default -> otherFrames.count(PayloadCodec.typeNameOf(frame));
        }
    }

    private void onPeerFrame(Client client, Buffer frame) {
        switch (kind.read(frame)) {
            case MESSAGE -> onMessage(client, frame);
            case WELCOME -> welcome(client);
            case JOINED -> joined(client);
            case ANSWER -> client.ws.writeTextMessage(kind.answer(frame));
            default -> otherFrames.count(kind.cliName() + " frame " + (char) frame.getByte(0));
        }
    }

    private void joined(Client client) {
        joinMicros.recordValue(micros(System.nanoTime() - client.startedNanos));
        if (!client.joined.isDone()) {
            joined.incrementAndGet(); // before complete(): its dependents may read the count
            client.joined.complete(null);
        }
    }

    private void onMessage(Client client, Buffer frame) {
        long now = System.nanoTime();
        PayloadCodec.Probe probe = PayloadCodec.probeOf(frame);
        if (probe == null) {
            foreign.increment();
            return;
        }
        switch (client.inbox.accept(probe.publisher(), probe.sequence())) {
            case FIRST -> latency.record(now - probe.sentNanos(), replicaOfPublisher[probe.publisher()] != client.replica);
            case DUPLICATE -> duplicates.increment();
            case MISROUTED -> misrouted.increment();
        }
        // last: reading the adder's sum then makes this inbox's writes visible to the reader (see totals())
        delivered.increment();
    }

    // ---------------------------------------------------------------- joining

    /** Every connection that has a room joins it, at most {@code concurrency} joins in flight; fails on the first error. */
    CompletableFuture<Void> joinAll(int concurrency) {
        List<Client> joining = new ArrayList<>();
        for (Client client : clients) {
            if (client.room != null && client.ws != null && client.welcomed.isDone()
                    && !client.welcomed.isCompletedExceptionally()) {
                joining.add(client);
            }
        }
        CompletableFuture<Void> all = new CompletableFuture<>();
        if (joining.isEmpty()) {
            all.complete(null);
            return all;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Runnable[] launch = new Runnable[1];
        launch[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= joining.size() || all.isDone()) {
                return;
            }
            Client client = joining.get(i);
            client.startedNanos = System.nanoTime();
            client.ws.writeTextMessage(kind.join(client.room, "j" + client.index));
            client.joined.whenComplete((ok, failure) -> {
                if (failure != null) {
                    all.completeExceptionally(failure);
                    return;
                }
                if (finished.incrementAndGet() == joining.size()) {
                    all.complete(null);
                }
                launch[0].run();
            });
        };
        for (int k = 0; k < Math.min(concurrency, joining.size()); k++) {
            launch[0].run();
        }
        return all;
    }

    // ---------------------------------------------------------------- publishing

    /** Starts (or retargets) publishing at {@code messagesPerSecond} over all publishers together. */
    synchronized void publishAt(double messagesPerSecond) {
        rate = messagesPerSecond;
        if (pacer == null) {
            publishing = true;
            pacer = new Thread(this::pace, "loadgen-pacer");
            pacer.setDaemon(true);
            pacer.start();
        }
    }

    /** Stops publishing and waits for the pacer, so {@link #sent()} is final. */
    synchronized void stopPublishing() {
        publishing = false;
        if (pacer != null) {
            try {
                pacer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void pace() {
        int publishers = plan.publishers();
        int turn = 0;
        long due = System.nanoTime();
        double pacedRate = -1;
        while (publishing) {
            double r = rate;
            long now = System.nanoTime();
            if (r <= 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                due = System.nanoTime();
                continue;
            }
            if (r != pacedRate) {
                if (pacedRate > 0) {
                    due = Math.max(due, now - TimeUnit.MILLISECONDS.toNanos(1));
                } else {
                    due = now;
                }
                pacedRate = r;
            }
            long interval = Math.max(1, Math.round(1e9 / r));
            int burst = 0;
            while (due <= now && burst < 10_000 && publishing) {
                send(turn, due, now);
                turn = turn + 1 == publishers ? 0 : turn + 1;
                due += interval;
                burst++;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(1)));
            }
        }
    }

    private void send(int publisher, long dueNanos, long nowNanos) {
        Client client = clients[plan.publisherConnections()[publisher]];
        WebSocket ws = client.ws;
        if (ws == null || ws.isClosed()) {
            errors.count("publisher not connected");
            return;
        }
        long sequence = nextSequence[publisher]++;
        ws.writeTextMessage(kind.publish(codec, plan.roomOfPublisher(publisher), publisher, sequence, dueNanos));
        sent.incrementAndGet(publisher);
        sentTotal.incrementAndGet();
        scheduleLagMicros.recordValue(micros(nowNanos - dueNanos));
    }

    // ---------------------------------------------------------------- reading the counters

    long[] sent() {
        long[] copy = new long[sent.length()];
        for (int p = 0; p < copy.length; p++) {
            copy[p] = sent.get(p);
        }
        return copy;
    }

    long sentTotal() {
        return sentTotal.get();
    }

    /** Deliveries expected so far from what was sent: each message reaches every member of its group. */
    long expectedDeliveries() {
        long expected = 0;
        int[] sizes = groupSizes();
        for (int p = 0; p < sent.length(); p++) {
            expected += sent.get(p) * sizes[plan.groupOfPublisher(p)];
        }
        return expected - rejectedDeliveries(sizes);
    }

    private long rejectedDeliveries(int[] sizes) {
        if (ledger.rejectedCount() == 0) {
            return 0;
        }
        long total = 0;
        for (int p = 0; p < sent.length(); p++) {
            total += ledger.rejectedCountOf(p) * sizes[plan.groupOfPublisher(p)];
        }
        return total;
    }

    /** Members of each group among the connections that got their welcome (O(connections); called a few times a second). */
    private int[] groupSizes() {
        int groups = Math.max(1, plan.roomNames().length);
        int[] sizes = new int[groups];
        for (Client client : clients) {
            if (client.welcomed.isDone() && !client.welcomed.isCompletedExceptionally()) {
                sizes[plan.groupOf()[client.index]]++;
            }
        }
        return sizes;
    }

    long delivered() {
        return delivered.sum();
    }

    long duplicates() {
        return duplicates.sum();
    }

    long misrouted() {
        return misrouted.sum();
    }

    long acked() {
        return acked.sum();
    }

    long foreignMessages() {
        return foreign.sum();
    }

    int open() {
        return open.get();
    }

    int failed() {
        return failed.get();
    }

    int closedUnexpectedly() {
        return closedUnexpectedly.get();
    }

    Map<String, Long> errors() {
        return errors.snapshot();
    }

    /** Frames of the types the generator does not read (presence events, …), by type. */
    Map<String, Long> otherFrames() {
        return otherFrames.snapshot();
    }

    int joined() {
        return joined.get();
    }

    Map<String, Long> connectFailures() {
        return connectFailures.snapshot();
    }

    Histogram connectTimes() {
        return connectMicros.getIntervalHistogram();
    }

    Histogram joinTimes() {
        return joinMicros.getIntervalHistogram();
    }

    /** How late the pacer sent messages compared with their due time (read after {@link #stopPublishing()}). */
    Histogram scheduleLag() {
        return scheduleLagMicros.copy();
    }

    /** Accounting over every connection that got its welcome; call after publishing stopped and deliveries drained. */
    DeliveryLedger.Totals totals() {
        List<DeliveryLedger.Inbox> inboxes = new ArrayList<>();
        for (Client client : clients) {
            if (client.welcomed.isDone() && !client.welcomed.isCompletedExceptionally()) {
                inboxes.add(client.inbox);
            }
        }
        // inboxes are written on their event loops, each write followed by an increment of the delivered adder:
        // reading the adder first orders those writes before the reads below
        delivered.sum();
        return ledger.totals(inboxes, sent());
    }

    @Override
    public void close() {
        closing = true;
        stopPublishing();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        vertx.close().onComplete(v -> closed.complete(null));
        closed.orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }

    private static long micros(long nanos) {
        return Math.max(0, Math.min(LatencyRecorder.HIGHEST_MICROS, nanos / 1_000));
    }
}
