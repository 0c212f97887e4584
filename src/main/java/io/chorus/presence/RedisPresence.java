package io.chorus.presence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jboss.logging.Logger;

import io.chorus.redis.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Response;

/**
 * Cluster-wide presence in Redis. Each scope is a few keys (hash-tagged, so one Redis Cluster slot holds them):
 * {@code counts} (user → connections, all replicas), {@code info} (user → what it said about itself, for users
 * that said something), {@code replicas} (replica → heartbeat expiry) and one {@code conns:<replica>} per replica
 * (that replica's connections → their users). Every change is one Lua script (src/main/resources/lua), so
 * concurrent replicas never see half a change.
 * <p>
 * Presence costs per replica, not per connection. Adds that arrive in the same event-loop tick go to Redis as one
 * script per scope. Each heartbeat, a replica renews its own entry in each scope it serves (one script per scope,
 * whatever its number of connections there) and sweeps the replicas whose entry lapsed: their connections go,
 * and the users that leave that way are reported to the {@link PresenceListener}. So the connections of a replica
 * that died without saying goodbye leave within {@code ttl + heartbeat}. A replica whose connections are missing
 * from a scope (Redis restarted and lost them, the replica stalled past its ttl and was swept, or an add failed) adds
 * them again; one whose closed connections are still recorded there (a removal failed, or Redis came back from its
 * append-only file with connections closed while it was down) removes them.
 */
public final class RedisPresence implements Presence, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisPresence.class);
    private static final LuaScript ADD = LuaScript.load("presence_add.lua");
    private static final LuaScript REMOVE = LuaScript.load("presence_remove.lua");
    private static final LuaScript REFRESH = LuaScript.load("presence_refresh.lua");
    private static final LuaScript MEMBERS = LuaScript.load("presence_members.lua");
    private static final int CONNECTIONS_PER_SCRIPT = 500;
    /**
     * The heartbeat's work is spread over this many ticks of its interval, each refreshing the scopes that hash to
     * it: a replica serving thousands of rooms sends a trickle of scripts instead of one burst every interval, which
     * held every publish behind it in Redis (a 200 ms stall every 10 s with 2,000 rooms; docs/benchmarks.md).
     */
    static final int SLICES = 20;

    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;
    private final String keyPrefix;
    private final String replicaId;
    private final Duration ttl;
    private final long heartbeatTimer;
    private int tick; // touched only by the heartbeat timer, on one context
    /** This replica's connections in each scope it serves: connection → its user and info. */
    private final Map<String, Map<String, Entry>> local = new ConcurrentHashMap<>();
    /** Adds sent or waiting to be, by scope (none: absent): connections in {@link #local} Redis may not hold yet. */
    private final Map<String, Integer> addsOnTheWay = new ConcurrentHashMap<>();
    /** Removals sent, by scope (none: absent): connections Redis may still hold that {@link #local} no longer has. */
    private final Map<String, Integer> removalsOnTheWay = new ConcurrentHashMap<>();
    private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();
    // guarded by this: adds waiting for the next event-loop tick, by scope, in arrival order
    private Map<String, List<PendingAdd>> pending = new LinkedHashMap<>();
    private boolean flushScheduled;

    private record Entry(String user, String info) {
    }

    private record PendingAdd(String connectionId, Entry entry, UniEmitter<? super Change> emitter) {
    }

    public RedisPresence(ReactiveRedisDataSource redis, Vertx vertx, String keyPrefix, String replicaId, Duration ttl,
            Duration heartbeat) {
        this.redis = redis;
        this.vertx = vertx;
        this.keyPrefix = keyPrefix;
        this.replicaId = replicaId;
        this.ttl = ttl;
        this.heartbeatTimer = vertx.setPeriodic(Math.max(100, heartbeat.toMillis()) / SLICES + 1,
                id -> heartbeat(tick = (tick + 1) % SLICES));
    }

    @Override
    public Uni<Change> add(String scope, String connectionId, String user, String info) {
        Entry entry = new Entry(user, info == null ? "" : info);
        local.computeIfAbsent(scope, s -> new ConcurrentHashMap<>()).put(connectionId, entry);
        return Uni.createFrom().emitter(emitter -> {
            addsOnTheWay.merge(scope, 1, Integer::sum);
            enqueue(scope, new PendingAdd(connectionId, entry, emitter));
        });
    }

    /** Queues an add for the next tick of the calling event loop, where it goes to Redis with every other add. */
    private void enqueue(String scope, PendingAdd add) {
        synchronized (this) {
            pending.computeIfAbsent(scope, s -> new ArrayList<>()).add(add);
            if (flushScheduled) {
                return;
            }
            flushScheduled = true;
        }
        Context context = Vertx.currentContext();
        if (context != null) {
            context.runOnContext(ignored -> flush());
        } else {
            vertx.runOnContext(ignored -> flush());
        }
    }

    private void flush() {
        Map<String, List<PendingAdd>> batch;
        synchronized (this) {
            batch = pending;
            pending = new LinkedHashMap<>();
            flushScheduled = false;
        }
        batch.forEach((scope, adds) -> {
            for (int from = 0; from < adds.size(); from += CONNECTIONS_PER_SCRIPT) {
                send(scope, adds.subList(from, Math.min(adds.size(), from + CONNECTIONS_PER_SCRIPT)));
            }
        });
    }

    private void send(String scope, List<PendingAdd> adds) {
        List<String> args = new ArrayList<>(3 + 3 * adds.size());
        args.add(replicaId);
        args.add(expiry());
        args.add(keyTtlMillis());
        for (PendingAdd add : adds) {
            args.add(add.connectionId());
            args.add(add.entry().user());
            args.add(add.entry().info());
        }
        ADD.run(redis, keys(scope), args).onTermination().invoke(() -> arrived(addsOnTheWay, scope, adds.size()))
                .subscribe().with(reply -> added(scope, adds, reply),
                        failure -> adds.forEach(add -> add.emitter().fail(failure)));
    }

    /** Answers each add of a script that succeeded. */
    private void added(String scope, List<PendingAdd> adds, Response reply) {
        Set<String> joined = new HashSet<>(strings(reply.get(0)));
        long users = reply.get(1).toLong();
        for (PendingAdd add : adds) {
            String user = add.entry().user();
            boolean first = joined.remove(user);
            if (isLocal(scope, add.connectionId())) {
                add.emitter().complete(new Change(first ? user : null, users));
            } else {
                withdraw(scope, add, first, users);
            }
        }
    }

    /**
     * Takes back an add that reached Redis after its connection closed: the close's removal, sent while the add waited,
     * found nothing to remove. The add is answered with what the two did together, so a user is reported joined only
     * if it is still present, and left only if it was reported joined before: a join that was taken back at once
     * says nothing, and a user whose other connection closed meanwhile, leaving this one its last, is reported left
     * to the listeners (nobody else would say it).
     */
    private void withdraw(String scope, PendingAdd add, boolean first, long users) {
        String user = add.entry().user();
        removeClosed(scope, add.connectionId()).subscribe().with(change -> {
            boolean left = user.equals(change.user());
            add.emitter().complete(new Change(first && !left ? user : null, change.users()));
            if (left && !first) {
                reportLeft(scope, user, change.users());
            }
        }, failure -> {
            // the heartbeat removes it later, and reports the user left if it was its last connection
            add.emitter().complete(new Change(first ? user : null, users));
        });
    }

    /**
     * Adds or removals of the scope whose script answered (or failed): Redis has them done, or they are for the
     * heartbeat to redo.
     */
    private static void arrived(Map<String, Integer> onTheWay, String scope, int count) {
        onTheWay.computeIfPresent(scope, (s, sent) -> sent > count ? sent - count : null);
    }

    private boolean isLocal(String scope, String connectionId) {
        Map<String, Entry> connections = local.get(scope);
        return connections != null && connections.containsKey(connectionId);
    }

    @Override
    public Uni<Change> remove(String scope, String connectionId) {
        local.computeIfPresent(scope, (s, connections) -> {
            connections.remove(connectionId);
            return connections.isEmpty() ? null : connections;
        });
        return Uni.createFrom().deferred(() -> {
            removalsOnTheWay.merge(scope, 1, Integer::sum);
            return REMOVE.run(redis, keys(scope), List.of(connectionId))
                    .onTermination().invoke(() -> arrived(removalsOnTheWay, scope, 1));
        }).map(reply -> new Change(reply.get(0).toString().isEmpty() ? null : reply.get(0).toString(),
                reply.get(1).toLong()));
    }

    @Override
    public Uni<Members> members(String scope, int limit) {
        List<String> keys = keys(scope);
        return MEMBERS.run(redis, keys.subList(0, 3),
                List.of(Long.toString(System.currentTimeMillis()), Integer.toString(limit), connsPrefix(scope)))
                .map(reply -> {
                    reportLeft(scope, reply.get(0), reply.get(1).toLong());
                    List<String> users = strings(reply.get(2));
                    List<String> infos = strings(reply.get(3));
                    Map<String, String> info = new HashMap<>();
                    for (int i = 0; i < infos.size() && i < users.size(); i++) {
                        if (!infos.get(i).isEmpty()) {
                            info.put(users.get(i), infos.get(i));
                        }
                    }
                    return new Members(reply.get(1).toLong(), users, info);
                });
    }

    @Override
    public void listen(PresenceListener listener) {
        listeners.add(listener);
    }

    /**
     * One tick of the heartbeat: renews this replica in the scopes of that slice and sweeps the replicas that lapsed
     * there. Every scope comes round once per heartbeat interval; each costs one script, not one per connection.
     */
    void heartbeat(int slice) {
        local.forEach((scope, connections) -> {
            if (Math.floorMod(scope.hashCode(), SLICES) == slice) {
                refresh(scope, connections);
            }
        });
    }

    private void refresh(String scope, Map<String, Entry> connections) {
        int mayHold = connections.size() + removalsOnTheWay.getOrDefault(scope, 0);
        List<String> args = List.of(replicaId, expiry(), keyTtlMillis(), Long.toString(System.currentTimeMillis()),
                connsPrefix(scope), Integer.toString(mayHold));
        REFRESH.run(redis, keys(scope), args).subscribe().with(reply -> {
            reportLeft(scope, reply.get(1), reply.get(2).toLong());
            int expected = connections.size() - addsOnTheWay.getOrDefault(scope, 0);
            if (reply.get(0).toLong() < expected) {
                restore(scope, connections); // adds are idempotent: the recorded ones are left as they are
            }
            if (reply.size() > 3) {
                removeAllClosed(scope, strings(reply.get(3)));
            }
        }, failure -> LOG.debugf("Presence heartbeat in %s failed: %s", scope, failure));
    }

    /**
     * Removes the connections the scope records for this replica that it no longer has: their removal failed, or Redis
     * came back with them. A connection id is never reused, so one that is not local now is closed for good; removing
     * it twice (its own removal was still on the way) changes nothing the second time. Its user, if that was the
     * user's last connection in the scope, is reported as left.
     */
    private void removeAllClosed(String scope, List<String> recorded) {
        for (String connection : recorded) {
            if (!isLocal(scope, connection)) {
                removeClosed(scope, connection).subscribe().with(change -> {
                    if (change.user() != null) {
                        reportLeft(scope, change.user(), change.users());
                    }
                }, failure -> {
                    // logged; the next heartbeat finds the connection again
                });
            }
        }
    }

    /** Removes a connection this replica no longer has from the scope's records; a failure is logged and passed on. */
    private Uni<Change> removeClosed(String scope, String connection) {
        return remove(scope, connection).onFailure().invoke(failure -> LOG.debugf(
                "Presence of a closed connection in %s not removed yet (the heartbeat retries): %s", scope, failure));
    }

    /**
     * Adds this replica's connections in the scope again when the scope holds fewer than it has: Redis lost them, swept
     * them while this replica stalled, or an add's script failed. Connections whose add is still on its way are not
     * counted as missing; adding a recorded one again changes nothing.
     */
    private void restore(String scope, Map<String, Entry> connections) {
        List<String> triples = new ArrayList<>();
        connections.forEach((connection, entry) -> {
            triples.add(connection);
            triples.add(entry.user());
            triples.add(entry.info());
        });
        for (int from = 0; from < triples.size(); from += 3 * CONNECTIONS_PER_SCRIPT) {
            List<String> args = new ArrayList<>();
            args.add(replicaId);
            args.add(expiry());
            args.add(keyTtlMillis());
            args.addAll(triples.subList(from, Math.min(triples.size(), from + 3 * CONNECTIONS_PER_SCRIPT)));
            ADD.run(redis, keys(scope), args).subscribe().with(
                    reply -> strings(reply.get(0)).forEach(user -> listeners.forEach(l -> l.joined(scope, user, reply.get(1).toLong()))),
                    failure -> LOG.debugf("Presence restore in %s failed: %s", scope, failure));
        }
    }

    private void reportLeft(String scope, Response left, long users) {
        strings(left).forEach(user -> reportLeft(scope, user, users));
    }

    private void reportLeft(String scope, String user, long users) {
        listeners.forEach(l -> l.left(scope, user, users));
    }

    private static List<String> strings(Response array) {
        List<String> values = new ArrayList<>();
        if (array != null) {
            for (Response value : array) {
                values.add(value.toString());
            }
        }
        return values;
    }

    private String base(String scope) {
        return keyPrefix + "presence:{" + scope + "}:";
    }

    private String connsPrefix(String scope) {
        return base(scope) + "conns:";
    }

    /** counts, info, replicas, and this replica's conns. */
    private List<String> keys(String scope) {
        String base = base(scope);
        return List.of(base + "counts", base + "info", base + "replicas", base + "conns:" + replicaId);
    }

    private String expiry() {
        return Long.toString(System.currentTimeMillis() + ttl.toMillis());
    }

    /** Keys outlive every heartbeat in them, then vanish if nobody renews them (a whole cluster gone). */
    private String keyTtlMillis() {
        return Long.toString(Math.max(1, ttl.multipliedBy(2).toMillis()));
    }

    @Override
    public void close() {
        vertx.cancelTimer(heartbeatTimer);
    }
}
