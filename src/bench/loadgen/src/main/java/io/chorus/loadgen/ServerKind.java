package io.chorus.loadgen;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import io.vertx.core.buffer.Buffer;

/**
 * Which server the generator drives: Chorus, or one of the two reference peers under {@code src/bench} (Node
 * processes the generator starts like Chorus replicas, with {@code PORT} and {@code REDIS_URL}, and waits for at
 * {@code /q/health/ready}). Each kind says where its WebSocket is, how a broadcast publish is framed, and how to read
 * what the server sends: the peers are driven over raw WebSockets by the same client fleet, so one run measures all
 * three with the same generator.
 * <ul>
 * <li>{@code chorus}: the protocol of docs/protocol.md ({@code welcome}, {@code publish}, {@code message}).
 * <li>{@code ws-ioredis}: the seed's design, per room for rooms. A connection is ready when it opens; the generator's
 * {@code join} is answered {@code {"type":"joined",…}}, and its {@code publish} JSON is relayed as is, probe included,
 * to the room's members (with a {@code room}) or to everyone; every other frame received is a message.
 * <li>{@code socketio}: Socket.IO 4 over engine.io v4's WebSocket transport, spoken directly: the server's open
 * packet {@code 0{…}} is answered with a namespace connect {@code 40}; its {@code 40{…}} is the welcome; an event
 * is {@code 42["msg",{…}]}; the server's ping {@code 2} is answered with pong {@code 3}. A join is
 * {@code 42["join",room]}, answered {@code 42["joined",room]}; a room publish is {@code 42["room",room,{…}]}.
 * </ul>
 * The peers acknowledge no publish and keep no history: what Chorus does beyond them is in its cost.
 */
enum ServerKind {
    CHORUS("chorus", null, "/ws"),
    WS_IOREDIS("ws-ioredis", "src/bench/ws-ioredis/server.mjs", "/"),
    SOCKETIO("socketio", "src/bench/socketio/server.mjs", "/socket.io/?EIO=4&transport=websocket");

    /** What the generator does with one frame from the server. */
    enum Reading {
        WELCOME, JOINED, MESSAGE, OTHER, ANSWER
    }

    private static final String WS_JOINED = "{\"type\":\"joined\"";
    private static final String SOCKETIO_JOINED = "42[\"joined\"";

    private final String cliName;
    private final String script;
    private final String path;

    ServerKind(String cliName, String script, String path) {
        this.cliName = cliName;
        this.script = script;
        this.path = path;
    }

    static ServerKind parse(String name) {
        for (ServerKind kind : values()) {
            if (kind.cliName.equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown server '" + name + "': one of chorus, ws-ioredis, socketio");
    }

    String cliName() {
        return cliName;
    }

    boolean isChorus() {
        return this == CHORUS;
    }

    /** The command that starts one replica of a peer (Chorus replicas are started by {@link ServerCluster}). */
    List<String> peerCommand() {
        return List.of("node", Path.of(script).toAbsolutePath().toString());
    }

    /** The peer's npm project, which must have its node_modules ({@code npm ci} there). */
    Path peerProject() {
        return Path.of(script).toAbsolutePath().getParent();
    }

    URI webSocketOf(int port) {
        return URI.create("ws://127.0.0.1:" + port + path);
    }

    /** The request URI of connection {@code index}: Chorus takes the user from {@code ?user=} (anonymous mode). */
    String requestUri(URI ws, int index) {
        String base = ws.getRawPath() + (ws.getRawQuery() == null ? "" : "?" + ws.getRawQuery());
        return this == CHORUS ? base + "?user=lg-" + index : base;
    }

    /** Whether a connection counts as welcomed when its WebSocket opens (the peer has no welcome of its own). */
    boolean welcomedOnOpen() {
        return this == WS_IOREDIS;
    }

    /** What the frame is, for a peer; Chorus frames are read by {@link PayloadCodec#typeOf}. */
    Reading read(Buffer frame) {
        if (this == WS_IOREDIS) {
            return PayloadCodec.startsWith(frame, 0, WS_JOINED) ? Reading.JOINED : Reading.MESSAGE;
        }
        int length = frame.length();
        byte first = length == 0 ? 0 : frame.getByte(0);
        if (first == '0' || (first == '2' && length == 1)) {
            return Reading.ANSWER; // engine.io open (answer: namespace connect) or ping (answer: pong)
        }
        if (first == '4' && length >= 2) {
            byte second = frame.getByte(1);
            if (second == '0') {
                return Reading.WELCOME;
            }
            if (second == '2') {
                return PayloadCodec.startsWith(frame, 0, SOCKETIO_JOINED) ? Reading.JOINED : Reading.MESSAGE;
            }
        }
        return Reading.OTHER;
    }

    /** The answer to a frame read as {@link Reading#ANSWER}. */
    String answer(Buffer frame) {
        return frame.getByte(0) == '0' ? "40" : "3";
    }

    /** A join of {@code room}; {@code ref} comes back in Chorus's answer. */
    String join(String room, String ref) {
        return this == SOCKETIO ? "42[\"join\",\"" + room + "\"]" : PayloadCodec.join(room, ref);
    }

    /**
     * A publish carrying the probe, to {@code room} or (null) to everyone: Chorus's {@code publish} command (the
     * ws-ioredis peer reads the same), or a Socket.IO event whose payload is the same JSON object.
     */
    String publish(PayloadCodec codec, String room, int publisher, long sequence, long sentNanos) {
        String chorusFrame = codec.publish(room, publisher, sequence, sentNanos);
        if (this != SOCKETIO) {
            return chorusFrame;
        }
        int payload = chorusFrame.indexOf("\"payload\":") + "\"payload\":".length();
        String body = chorusFrame.substring(payload, chorusFrame.length() - 1);
        return room == null ? "42[\"msg\"," + body + "]" : "42[\"room\",\"" + room + "\"," + body + "]";
    }
}
