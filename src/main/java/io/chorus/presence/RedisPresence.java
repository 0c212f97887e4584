package io.chorus.presence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jboss.logging.Logger;

import io.chorus.redis.LuaScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Response;

/**
 * Cluster-wide presence in Redis. Each scope is four keys (hash-tagged, so one Redis Cluster slot holds them):
 * {@code conns} (connection → expiry), {@code users} (connection → user), {@code counts} (user → connections) and
 * {@code info} (user → what it said about itself, for users that said something).
 * Every change is one Lua script (src/main/resources/lua), so concurrent replicas never see half a change.
 * <p>
 * Presence heals: each replica refreshes the expiry of its own connections every heartbeat and sweeps the scopes
 * it serves; connections of a replica that died without saying goodbye expire within {@code ttl + heartbeat}, and
 * the users that leave that way are reported to the {@link PresenceListener}. A refresh also restores entries lost
 * with a restarted Redis.
 */
public final class RedisPresence implements Presence, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RedisPresence.class);
    private static final LuaScript ADD = LuaScript.load("presence_add.lua");
    private static final LuaScript REMOVE = LuaScript.load("presence_remove.lua");
    private static final LuaScript MEMBERS = LuaScript.load("presence_members.lua");
    private static final int PAIRS_PER_REFRESH = 500;
    /**
     * The heartbeat's work is spread over this many ticks of its interval, each refreshing the scopes that hash to
     * it: a replica serving thousands of rooms sends a trickle of scripts instead of one burst every interval, which
     * held every publish behind it in Redis (a 200 ms stall every 10 s with 2,000 rooms; docs/benchmarks.md).
     */
    static final int SLICES = 20;

    private final ReactiveRedisDataSource redis;
    private final Vertx vertx;
    private final String keyPrefix;
    private final Duration ttl;
    private final long heartbeatTimer;
    private int tick; // touched only by the heartbeat timer, on one context
    /** This replica's connections in each scope it serves: connection → its user and info. */
    private final Map<String, Map<String, Entry>> local = new ConcurrentHashMap<>();
    private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();

    private record Entry(String user, String info) {
    }

    public RedisPresence(ReactiveRedisDataSource redis, Vertx vertx, String keyPrefix, Duration ttl, Duration heartbeat) {
        this.redis = redis;
        this.vertx = vertx;
        this.keyPrefix = keyPrefix;
        this.ttl = ttl;
        this.heartbeatTimer = vertx.setPeriodic(Math.max(100, heartbeat.toMillis()) / SLICES + 1,
                id -> heartbeat(tick = (tick + 1) % SLICES));
    }

    @Override
    public Uni<Change> add(String scope, String connectionId, String user, String info) {
        String said = info == null ? "" : info;
        local.computeIfAbsent(scope, s -> new ConcurrentHashMap<>()).put(connectionId, new Entry(user, said));
        return ADD.run(redis, keys(scope), List.of(expiry(), keyTtlSeconds(), connectionId, user, said))
                .map(reply -> new Change(reply.get(0).size() > 0 ? user : null, reply.get(1).toLong()));
    }

    @Override
    public Uni<Change> remove(String scope, String connectionId) {
        local.computeIfPresent(scope, (s, connections) -> {
            connections.remove(connectionId);
            return connections.isEmpty() ? null : connections;
        });
        return REMOVE.run(redis, keys(scope), List.of(connectionId))
                .map(reply -> new Change(reply.get(0).toString().isEmpty() ? null : reply.get(0).toString(),
                        reply.get(1).toLong()));
    }

    @Override
    public Uni<Members> members(String scope, int limit) {
        return MEMBERS.run(redis, keys(scope), List.of(Long.toString(System.currentTimeMillis()), Integer.toString(limit)))
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
     * One tick of the heartbeat: refreshes this replica's connections in the scopes of that slice, then expires in
     * them what others stopped refreshing. Every scope comes round once per heartbeat interval.
     */
    void heartbeat(int slice) {
        local.forEach((scope, connections) -> {
            if (Math.floorMod(scope.hashCode(), SLICES) == slice) {
                refresh(scope, connections);
            }
        });
    }

    private void refresh(String scope, Map<String, Entry> connections) {
        List<String> triples = new ArrayList<>();
        connections.forEach((connection, entry) -> {
            triples.add(connection);
            triples.add(entry.user());
            triples.add(entry.info());
        });
        for (int from = 0; from < triples.size(); from += 3 * PAIRS_PER_REFRESH) {
            List<String> args = new ArrayList<>();
            args.add(expiry());
            args.add(keyTtlSeconds());
            args.addAll(triples.subList(from, Math.min(triples.size(), from + 3 * PAIRS_PER_REFRESH)));
            ADD.run(redis, keys(scope), args).subscribe().with(
                    reply -> strings(reply.get(0)).forEach(user -> listeners.forEach(l -> l.joined(scope, user, reply.get(1).toLong()))),
                    failure -> LOG.debugf("Presence refresh of %s failed: %s", scope, failure));
        }
        members(scope, 0).subscribe().with(ok -> {
        }, failure -> LOG.debugf("Presence sweep of %s failed: %s", scope, failure));
    }

    private void reportLeft(String scope, Response left, long users) {
        strings(left).forEach(user -> listeners.forEach(l -> l.left(scope, user, users)));
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

    private List<String> keys(String scope) {
        String base = keyPrefix + "presence:{" + scope + "}:";
        return List.of(base + "conns", base + "users", base + "counts", base + "info");
    }

    private String expiry() {
        return Long.toString(System.currentTimeMillis() + ttl.toMillis());
    }

    /** Keys outlive every entry in them, then vanish if nobody refreshes them (a whole cluster gone). */
    private String keyTtlSeconds() {
        return Long.toString(Math.max(1, ttl.multipliedBy(2).toSeconds()));
    }

    @Override
    public void close() {
        vertx.cancelTimer(heartbeatTimer);
    }
}
