package io.chorus.redis;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.types.ErrorType;

/**
 * A Redis connection of one event loop: opened from that loop on first use, and opened again on the first use after
 * it was lost. The client it comes from must have been made on that loop ({@link DefaultRedisOptions#eventLoopClient}):
 * a Vert.x Redis client binds every connection it opens to the context it was itself made on, and the writes and the
 * answers of a connection bound elsewhere hop to that loop and back. Commands sent from the loop are written and
 * answered on it, with no hop to another thread and no acquire from a pool (docs/benchmarks.md, "Rooms, side by side"
 * and "Rooms, session 10"). Commands are pipelined: several may be on their way.
 * <p>
 * Only ever used from its event loop, so it takes no lock. A command on its way when the connection is lost fails with
 * the client's error, like a pooled call on a lost connection; the connection is dropped when the client reports its
 * end, or when a command on it fails other than with Redis's error reply, and the next command opens a new one (and
 * fails at once if Redis cannot be reached).
 */
public final class EventLoopConnection {

    private static final Logger LOG = Logger.getLogger(EventLoopConnection.class);

    private final Redis redis;
    private final String name;
    private final Thread loop;
    private RedisConnection connection;
    private Uni<RedisConnection> opening;

    /**
     * @param name the connection's name in Redis ({@code CLIENT SETNAME}), so operators can tell it in
     *        {@code CLIENT LIST}
     */
    public EventLoopConnection(Redis redis, String name) {
        this.redis = redis;
        this.name = name;
        this.loop = Thread.currentThread();
    }

    /** Sends a command; to be called on the event loop that made this connection. */
    public Uni<Response> send(Request request) {
        if (Thread.currentThread() != loop) {
            return Uni.createFrom().failure(new IllegalStateException(
                    "used from " + Thread.currentThread().getName() + ", made on " + loop.getName()));
        }
        RedisConnection open = connection;
        return open != null ? sendOn(open, request) : open().chain(opened -> sendOn(opened, request));
    }

    /**
     * A command's failure that is not Redis's answer (an error reply means the connection works) means the connection
     * does not: it is dropped, so the next command opens another, even if the client never reports the loss.
     */
    private Uni<Response> sendOn(RedisConnection open, Request request) {
        return open.send(request).onFailure(failure -> !(failure instanceof ErrorType))
                .invoke(failure -> lost(open, failure.toString()));
    }

    /**
     * Opens the connection and names it. A connection handed over by the client's pool may already be dead (Redis
     * stopped, then killed): one whose naming fails other than by Redis's refusal is closed, and the opening fails, so
     * the next command opens another instead of keeping a connection whose end was reported before anyone listened.
     */
    private Uni<RedisConnection> open() {
        if (opening == null) {
            opening = redis.connect()
                    .call(opened -> opened.send(Request.cmd(Command.CLIENT).arg("SETNAME").arg(name))
                            .onFailure(ErrorType.class).recoverWithItem(this::nameRefused)
                            .onFailure().call(failure -> closeDead(opened, failure)))
                    .invoke(this::adopt)
                    .onTermination().invoke(() -> opening = null)
                    .memoize().indefinitely();
        }
        return opening;
    }

    /** Redis refused the name (an ACL, say): the connection works, only {@code CLIENT LIST} will not show the name. */
    private Response nameRefused(Throwable refusal) {
        LOG.debugf("Redis refused the name %s (%s); the connection is used unnamed", name, refusal.getMessage());
        return null;
    }

    /** Closes a connection whose naming failed other than by Redis's refusal; the opening fails with that failure. */
    private Uni<Void> closeDead(RedisConnection dead, Throwable why) {
        LOG.debugf("Redis connection %s failed while being named (%s); closing it, the next command opens another",
                name, why);
        return dead.close().onFailure().invoke(
                failure -> LOG.debugf("Closing the dead Redis connection %s failed: %s", name, failure))
                .onFailure().recoverWithNull();
    }

    private void adopt(RedisConnection opened) {
        connection = opened;
        opened.exceptionHandler(failure -> lost(opened, failure.toString()));
        opened.endHandler(() -> lost(opened, "closed"));
    }

    private void lost(RedisConnection which, String why) {
        if (connection == which) {
            connection = null;
            LOG.debugf("Redis connection %s lost (%s); the next command opens another", name, why);
            which.close().subscribe().with(ok -> {
            }, failure -> LOG.debugf("Closing the lost Redis connection %s failed: %s", name, failure));
        }
    }
}
