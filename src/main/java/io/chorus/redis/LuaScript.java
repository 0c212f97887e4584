package io.chorus.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * A Lua script kept as a resource and run with {@code EVALSHA}; when Redis does not know it (first use, or a
 * restarted Redis), it is sent once with {@code EVAL}, which also caches it.
 * <p>
 * A script the Redis client's pool refuses because its wait queue is full ({@code quarkus.redis.max-pool-waiting};
 * the command was never sent) is sent again at once, then with a growing, jittered delay for up to
 * {@link #POOL_BUSY_RETRIES} more tries: a burst that overflows the queue (a reconnect storm's recovery reads) slows down
 * instead of failing the publishes, reads and presence changes caught in it.
 */
public final class LuaScript {

    /**
     * Tries after the pool refused a script: one at once, then these with delays from 5 ms doubling to 250 ms,
     * about 10 s in all.
     */
    static final int POOL_BUSY_RETRIES = 45;

    private final String source;
    private final String sha;

    private LuaScript(String source) {
        this.source = source;
        this.sha = sha1(source);
    }

    public static LuaScript load(String resource) {
        try (InputStream in = LuaScript.class.getResourceAsStream("/lua/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing script /lua/" + resource);
            }
            return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs the script. The retries are built only once the pool has refused it: Mutiny's retry with back-off runs
     * through a {@code Multi} (a retry trigger stream, a processor, a subscription), which every publish and
     * presence change paid for when it was part of every call, although the pool almost never refuses one.
     */
    public Uni<Response> run(ReactiveRedisDataSource redis, List<String> keys, List<String> args) {
        return send(redis, keys, args).onFailure(ConnectionPoolTooBusyException.class).recoverWithUni(
                busy -> Uni.createFrom().deferred(() -> send(redis, keys, args))
                        .onFailure(ConnectionPoolTooBusyException.class).retry()
                        .withBackOff(Duration.ofMillis(5), Duration.ofMillis(250)).withJitter(0.5)
                        .atMost(POOL_BUSY_RETRIES));
    }

    /**
     * Runs the script on an event loop's own connection (no pool, so no pool-busy retries); to be called on that
     * loop.
     */
    public Uni<Response> run(EventLoopConnection connection, List<String> keys, List<String> args) {
        return connection.send(request(Command.EVALSHA, sha, keys, args))
                .onFailure(LuaScript::unknownToRedis)
                .recoverWithUni(() -> connection.send(request(Command.EVAL, source, keys, args)));
    }

    private static Request request(Command command, String script, List<String> keys, List<String> args) {
        Request request = Request.cmd(command).arg(script).arg(keys.size());
        keys.forEach(request::arg);
        args.forEach(request::arg);
        return request;
    }

    private Uni<Response> send(ReactiveRedisDataSource redis, List<String> keys, List<String> args) {
        return redis.execute("EVALSHA", arguments(sha, keys, args))
                .onFailure(LuaScript::unknownToRedis)
                .recoverWithUni(() -> redis.execute("EVAL", arguments(source, keys, args)));
    }

    /** Redis's answer when it does not have the script (first use, or a restarted Redis): send it with EVAL. */
    private static boolean unknownToRedis(Throwable failure) {
        return String.valueOf(failure.getMessage()).startsWith("NOSCRIPT");
    }

    private static String[] arguments(String script, List<String> keys, List<String> args) {
        List<String> all = new ArrayList<>(2 + keys.size() + args.size());
        all.add(script);
        all.add(Integer.toString(keys.size()));
        all.addAll(keys);
        all.addAll(args);
        return all.toArray(String[]::new);
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
