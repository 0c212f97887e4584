package io.chorus;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every Chorus setting, under one prefix. The README's settings table documents each one;
 * {@code ChorusConfigDocumentationTest} keeps the two in step.
 */
@ConfigMapping(prefix = "chorus")
public interface ChorusConfig {

    /**
     * This replica's id, carried in logs and in every message it publishes. When unset, a short random id is
     * chosen at start (see {@link ReplicaIdConfigSource}).
     */
    String replicaId();

    /** The backplane channel every replica publishes broadcast messages to and subscribes to. */
    @WithDefault("MESSAGE_CHANNEL")
    String channel();

    /**
     * Prefix of every other Redis key and channel Chorus uses: rooms publish on {@code <prefix>room:<name>}, direct
     * messages on {@code <prefix>user:<id>}, presence lives in {@code <prefix>presence:{<scope>}:*}.
     */
    @WithDefault("chorus:")
    String channelPrefix();

    /**
     * Whether Mutiny callbacks carry SmallRye context propagation (CDI request context and the like). Chorus needs
     * none, and capturing it around every operator costs CPU on every message, so it is off unless this is true
     * ({@link ContextPropagation}).
     */
    @WithDefault("false")
    boolean contextPropagation();

    /** Limits applied to what clients send. */
    Limits limits();

    /** Cluster-wide presence. */
    Presence presence();

    /** Bounded history of every room and of the broadcast stream, for recovery after a reconnect. */
    History history();

    /** How the Redis subscription heals itself after Redis is lost. */
    Reconnect reconnect();

    /** Graceful shutdown. */
    Shutdown shutdown();

    /** How frames are written to connections. */
    Delivery delivery();

    /** Who may connect. */
    Auth auth();

    /** The Pusher Channels protocol (docs/pusher.md): the apps it serves and its limits. */
    Pusher pusher();

    interface Pusher {
        /**
         * The Pusher apps this cluster serves, by a name of your choosing:
         * {@code chorus.pusher.apps.<name>.id/key/secret/...}. None: the Pusher endpoint refuses every key.
         */
        java.util.Map<String, PusherApp> apps();

        /** The {@code activity_timeout} sent in {@code pusher:connection_established}: pusher-js pings after this much silence. */
        @WithDefault("30s")
        Duration activityTimeout();

        /** Client events one socket may send per second; over it the event is dropped with a 4301 {@code pusher:error}. */
        @WithDefault("10")
        int clientEventRate();

        /** How far an HTTP API request's {@code auth_timestamp} may be from this replica's clock, either way. */
        @WithDefault("600s")
        Duration timestampWindow();

        /**
         * Whether the HTTP API refuses an exact replay of a signed {@code POST} (one whose signature it has already
         * accepted within the timestamp window). Pusher itself accepts replays; the guard is per replica.
         */
        @WithDefault("false")
        boolean replayGuard();

        /** Most signatures the replay guard remembers; beyond it the oldest are forgotten first. */
        @WithDefault("100000")
        int replayCacheSize();

        /** Webhook delivery. */
        PusherWebhooks webhooks();
    }

    interface PusherApp {
        /** The app id of the HTTP API's paths ({@code /apps/<id>/...}): letters, digits, {@code _} and {@code -}. */
        String id();

        /** The public key clients connect with ({@code /app/<key>}). */
        String key();

        /** The secret that signs channel authorizations, HTTP API requests and webhooks. */
        String secret();

        /**
         * Whether this app's channels are Chorus rooms of the same name, shared with native clients. At most one app
         * may say so; the others get rooms of their own that no other app and no native client can reach.
         */
        @WithDefault("false")
        boolean nativeRooms();

        /** Whether clients may send {@code client-*} events on private and presence channels. */
        @WithDefault("false")
        boolean clientEvents();

        /**
         * With {@code native-rooms}: the public channels (no {@code private-} or {@code presence-} prefix) a Pusher
         * socket may subscribe to, as room patterns (exact names, prefixes ending in {@code *}, {@code *}, or
         * {@code none}). A public subscription carries no signature, so without this anyone could read any native
         * room that token grants keep from its users. Private and presence channels are granted by the app's auth
         * endpoint's signature instead.
         */
        @WithDefault("none")
        java.util.List<String> publicRooms();

        /** Where webhooks are POSTed; unset: none are sent. */
        java.util.Optional<String> webhookUrl();
    }

    interface PusherWebhooks {
        /** Webhooks waiting to be delivered, at most; more are dropped (and logged) while the receiver lags. */
        @WithDefault("10000")
        int queueSize();

        /** Delivery attempts per webhook before it is dropped. */
        @WithDefault("5")
        int maxAttempts();

        /** Delay before the first retry; it doubles with each attempt. */
        @WithDefault("1s")
        Duration retryDelay();

        /** How long one delivery attempt may take. */
        @WithDefault("10s")
        Duration timeout();

        /**
         * How long a channel's {@code channel_occupied} / {@code channel_vacated} waits before it is queued: within
         * it, an occupied and a vacated of one channel cancel out, so subscribe churn queues nothing. {@code 0}: no
         * wait.
         */
        @WithDefault("2s")
        Duration mergeWindow();
    }

    interface Auth {
        /**
         * Anonymous mode, for local development: the user id is taken on trust from {@code ?user=} (or made up).
         * Off by default and so in the prod profile, where a client must present a JWT ({@code ?token=}) verified
         * with the {@code mp.jwt.verify.*} / {@code smallrye.jwt.verify.*} settings; on in the dev and test profiles.
         */
        @WithDefault("false")
        boolean anonymous();

        /**
         * How long a connection that carried no token in its URL may take to send its {@code auth} frame; then it
         * is closed with 4003.
         */
        @WithDefault("5s")
        Duration handshakeTimeout();

        /**
         * Rooms whose names start with this are private: only an exact grant, or a pattern that itself starts with
         * this prefix (e.g. {@code private-team-*}), lets a token in; {@code *} does not.
         */
        @WithDefault("private-")
        String privatePrefix();

        /** What a user may do when the token's {@code chorus} claim does not say (and every anonymous user). */
        Grants defaults();
    }

    /**
     * Permissions: room patterns (an exact name, a prefix ending in {@code *}, or {@code *}; {@code {user}} stands for
     * the user's id; {@code none} grants nothing) and switches.
     */
    interface Grants {
        /** Rooms the user may join (and so read). */
        @WithDefault("*")
        java.util.List<String> subscribe();

        /** Rooms the user may publish to. */
        @WithDefault("*")
        java.util.List<String> publish();

        /** Rooms whose presence (members, member_joined/member_left) the user may see. */
        @WithDefault("*")
        java.util.List<String> presence();

        /**
         * User ids the user may send direct messages to: exact ids, prefixes ending in {@code *}, {@code *},
         * {@code {user}} for the user itself, {@code none} for nobody.
         */
        @WithDefault("*")
        java.util.List<String> direct();

        /** Whether the user may publish to everyone (the broadcast stream). */
        @WithDefault("true")
        boolean broadcast();

        /** Whether the user may list who is online cluster-wide. */
        @WithDefault("true")
        boolean online();
    }

    /** The HTTP server API under {@code /api}. */
    Api api();

    interface Api {
        /**
         * The API key callers present as {@code Authorization: Bearer <key>}. Unset: only admin tokens are accepted
         * (and none at all when no JWT key is configured).
         */
        java.util.Optional<String> key();

        /** A JWT whose {@code scope} claim holds this scope may call the API too. */
        @WithDefault("chorus:admin")
        String adminScope();

        /**
         * Whether {@code /q/metrics} and {@code /q/openapi} on the main HTTP port need the server API's credentials
         * (the API key or an admin token) too. Health checks stay open. The other way to keep them from clients:
         * the management interface (a build-time setting, see README's "Production checklist").
         */
        @WithDefault("false")
        boolean guardManagement();
    }

    interface Shutdown {
        /**
         * On SIGTERM, how long to spread the 1001 closes of open connections over, so that the surviving replicas
         * are not stampeded by every client reconnecting at once. New upgrades are refused meanwhile.
         */
        @WithDefault("5s")
        Duration drainWindow();
    }

    interface Delivery {
        /**
         * How long a connection's written frames may wait before they are flushed to its socket, so frames that follow
         * within it leave in one write. 0 (the default): flushed once the event loop has run the tasks already queued,
         * which coalesces only what arrives together.
         */
        @WithDefault("0ms")
        Duration writeDelay();
    }

    interface Limits {
        /** Largest text message a client may send, in bytes; larger ones close the connection with 1009. */
        @WithDefault("65536")
        int maxMessageBytes();

        /** Deepest JSON nesting accepted in a client frame; deeper frames get an {@code invalid_json} error. */
        @WithDefault("32")
        int maxJsonDepth();

        /**
         * How long a {@code join} (and a connection's own direct-message channel) may wait for the backplane
         * subscription before the client gets {@code backplane_unavailable}.
         */
        @WithDefault("5s")
        Duration joinTimeout();

        /**
         * Most frames waiting to be written to one connection; a client that stops reading is closed with 4008 when
         * it has this many, so a slow reader cannot grow the heap.
         */
        @WithDefault("1000")
        int maxPendingFrames();

        /**
         * Most bytes waiting to be written to one connection (its Netty channel's outbound buffer): past this the
         * channel turns unwritable, the server stops reading from it, and its next delivery closes it with 4008.
         */
        @WithDefault("4194304")
        int maxPendingBytes();

        /**
         * Most text messages of one connection received but not yet handled (queued or in flight); at this many the
         * server stops reading from the connection until one is handled (TCP pushes back on the client).
         */
        @WithDefault("16")
        int maxInboundMessages();

        /**
         * Most bytes of one connection's messages received but not yet handled; at this many the server stops
         * reading from it, as for {@code max-inbound-messages}. Never less than {@code max-message-bytes}.
         */
        @WithDefault("1048576")
        int maxInboundBytes();

        /**
         * Most bytes of stored messages in one reply: a {@code history} page, and what a recovering connection is
         * replayed. A page that would be larger holds fewer messages (docs/protocol.md, "history").
         */
        @WithDefault("1048576")
        int maxReplyBytes();

        /**
         * How long a client may take to send a whole HTTP request head (the WebSocket handshake); a slower one is
         * disconnected without an answer, so trickled handshakes cannot hold connections open.
         */
        @WithDefault("5s")
        Duration requestHeadTimeout();

        /**
         * Each connection's command budget: units refilled per second. Every command of both endpoints costs units
         * (a {@code publish} 1; the table is in docs/protocol.md, "Limits"); one the budget cannot pay for gets
         * {@code rate_limited}. The name is kept from when only publishes were counted.
         */
        @WithDefault("200")
        int publishRate();

        /** Most units a connection's command budget holds: the burst above {@code publish-rate}. */
        @WithDefault("400")
        int publishBurst();

        /** Rooms one connection may be in at once; one more join gets {@code too_many_rooms}. */
        @WithDefault("100")
        int maxRoomsPerConnection();

        /** Open connections this replica accepts; further upgrades get HTTP 503 (try another replica). */
        @WithDefault("100000")
        int maxConnections();

        /**
         * {@code /ws} connections this replica admits at once: opened, not yet welcomed (with what they recovered
         * written). Further upgrades get HTTP 503 with {@code Retry-After}, before the upgrade completes, so a
         * reconnect storm is admitted at the pace the replica and Redis keep up with.
         */
        @WithDefault("1000")
        int maxAdmitting();

        /** Open connections one user may hold on this replica; further upgrades get HTTP 429. */
        @WithDefault("20")
        int maxConnectionsPerUser();

        /** How often the server pings each connection (RFC 6455 ping; clients answer with pong automatically). */
        @WithDefault("20s")
        Duration pingInterval();

        /**
         * A connection from which nothing — no frame, no pong — arrived for this long is closed with 4002: it is
         * half-open (its peer vanished without a FIN) or unresponsive.
         */
        @WithDefault("60s")
        Duration idleTimeout();
    }

    /**
     * Origins a browser may open a WebSocket from (exact {@code scheme://host[:port]}, or {@code *} for any). Unset:
     * any origin. Upgrades carrying another {@code Origin} header get HTTP 403; clients that send none (not browsers)
     * are not affected.
     */
    java.util.Optional<java.util.List<String>> allowedOrigins();

    interface Presence {
        /** How long a replica's connections stay present after its last heartbeat; bounds how long a dead
         * replica's users linger. */
        @WithDefault("30s")
        Duration ttl();

        /**
         * How often each replica renews its presence (one script per scope it serves, not per connection) and sweeps
         * the replicas whose heartbeat lapsed.
         */
        @WithDefault("10s")
        Duration heartbeat();

        /** Most user ids listed in a {@code members} or {@code online} answer (the count is always exact). */
        @WithDefault("1000")
        int maxListed();

        /**
         * Rooms with more users than this do not push {@code member_joined}/{@code member_left} (clients ask
         * {@code members}): pushing every join to every member makes a join storm cost N² frames in a room of N.
         */
        @WithDefault("1000")
        int maxAnnounced();
    }

    interface History {
        /** Most messages kept per stream (Redis {@code XADD MAXLEN}); older ones are trimmed. */
        @WithDefault("1000")
        int maxLength();

        /** A stream's history is dropped this long after its last message (then its epoch changes). */
        @WithDefault("1h")
        Duration ttl();

        /** Most messages replayed to one recovering client; further back it gets {@code recovered: false}. */
        @WithDefault("1000")
        int maxRecovery();

        /**
         * Most bytes (UTF-8) replayed to one recovering client; beyond it, as beyond {@code max-recovery}, it gets
         * {@code recovered: false}. Bounds what one recovery holds in memory and writes to one connection; keep it
         * below {@code chorus.limits.max-pending-bytes}, so a recovery never makes its own client a slow consumer.
         */
        @WithDefault("2097152")
        long maxRecoveryBytes();

        /** Messages per history read; recoveries read page by page. */
        @WithDefault("200")
        int pageSize();

        /**
         * Most streams the embedded backplane's in-memory history keeps (a single replica without Redis); past it,
         * the stream written to least recently is dropped. Redis keys expire by {@code ttl} instead.
         */
        @WithDefault("10000")
        int maxLocalStreams();

        /**
         * How long a room or broadcast publish may wait for others to share its Redis call (one script call appends
         * and publishes up to 64 messages). 0: only publishes pending in the same event-loop turn or while this
         * replica's previous call is on its way share one. Not used on a Redis Cluster (one call per publish there).
         */
        @WithDefault("0ms")
        Duration publishWindow();
    }

    interface Reconnect {
        /** Delay before the first attempt to resubscribe after the subscription is lost. */
        @WithDefault("100ms")
        Duration initialDelay();

        /** Cap of the doubling delay between resubscription attempts. */
        @WithDefault("5s")
        Duration maxDelay();
    }
}
