package io.chorus.hub;

import com.fasterxml.jackson.databind.JsonNode;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.backplane.Backplane;
import io.chorus.backplane.Envelope;
import io.chorus.backplane.Envelope.Kind;
import io.chorus.protocol.RawJson;
import io.chorus.protocol.ServerFrames;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * Publishes messages — from clients and from the server API alike: encodes each {@code message} event once, with a
 * fresh id and the origin's timestamp, wraps it in its backplane {@link Envelope}, and hands it to the backplane once
 * (to a stream's history script, for broadcasts and rooms; publishes pending together share one call, see {@code RedisHistory}). Delivery, on every replica including this
 * one, comes back through the subscriptions.
 */
@Singleton
public class Publisher {

    /** What a publish got: the message id, and its position when its stream keeps history (null for direct ones). */
    public record Published(String id, StreamPosition position) {
    }

    /**
     * A publish the backplane did not confirm. It may still have gone out (Redis may have run the script and died
     * before answering): if it did, it is delivered with {@link #id()}, so the sender can tell.
     */
    public static final class Unconfirmed extends RuntimeException {
        private final String id;

        Unconfirmed(String id, Throwable cause) {
            super("the backplane did not confirm message " + id + ": " + cause, cause, false, false);
            this.id = id;
        }

        /** The id the message is delivered with, should it have gone out. */
        public String id() {
            return id;
        }
    }

    private final MessageIds ids;
    private final BroadcastSubscriber broadcast;
    private final RoomRegistry rooms;
    private final UserRegistry users;
    private final Backplane backplane;
    private final String replicaId;

    Publisher(MessageIds ids, BroadcastSubscriber broadcast, RoomRegistry rooms, UserRegistry users, Backplane backplane,
            ChorusConfig config) {
        this.ids = ids;
        this.broadcast = broadcast;
        this.rooms = rooms;
        this.users = users;
        this.backplane = backplane;
        this.replicaId = config.replicaId();
    }

    /** To every client on every replica (the broadcast stream, which keeps history). */
    public Uni<Published> toEveryone(String from, JsonNode payload) {
        return toEveryone(from, RawJson.of(payload));
    }

    /** As {@link #toEveryone(String, JsonNode)}, with a payload already encoded (a client's, as it sent it). */
    public Uni<Published> toEveryone(String from, RawJson payload) {
        String id = ids.next();
        long ts = System.currentTimeMillis();
        String frame = ServerFrames.message(id, replicaId, from, ts, null, null, payload);
        return confirmed(id, broadcast.publish(Envelope.of(Kind.BROADCAST, replicaId, ts, null, frame)).map(position -> new Published(id, position)));
    }

    /** To every member of a room, wherever connected (the room's stream keeps history). */
    public Uni<Published> toRoom(String room, String from, JsonNode payload) {
        return toRoom(room, from, null, RawJson.of(payload));
    }

    /** As {@link #toRoom(String, String, JsonNode)}, with a payload already encoded (a client's, as it sent it). */
    public Uni<Published> toRoom(String room, String from, RawJson payload) {
        return toRoom(room, from, null, payload);
    }

    /**
     * As {@link #toRoom(String, String, JsonNode)}; {@code from} may be null (a server, not a user), and
     * {@code except} names a Pusher socket that must not receive it (null: none).
     */
    public Uni<Published> toRoom(String room, String from, String except, JsonNode payload) {
        return toRoom(room, from, except, RawJson.of(payload));
    }

    private Uni<Published> toRoom(String room, String from, String except, RawJson payload) {
        String id = ids.next();
        long ts = System.currentTimeMillis();
        String frame = ServerFrames.message(id, replicaId, from, ts, room, null, payload);
        return confirmed(id, rooms.publish(room, Envelope.of(Kind.ROOM, replicaId, ts, except, frame)).map(position -> new Published(id, position)));
    }

    /** To every connection of one user, wherever connected; no history. */
    public Uni<Published> toUser(String to, String from, JsonNode payload) {
        return toUser(to, from, RawJson.of(payload));
    }

    /** As {@link #toUser(String, String, JsonNode)}, with a payload already encoded (a client's, as it sent it). */
    public Uni<Published> toUser(String to, String from, RawJson payload) {
        String id = ids.next();
        long ts = System.currentTimeMillis();
        String frame = ServerFrames.message(id, replicaId, from, ts, null, to, payload);
        return confirmed(id, backplane.publish(users.channelOf(to), Envelope.of(Kind.DIRECT, replicaId, ts, null, frame)
                .encode()).replaceWith(new Published(id, null)));
    }

    private static Uni<Published> confirmed(String id, Uni<Published> publish) {
        return publish.onFailure().transform(failure -> new Unconfirmed(id, failure));
    }
}
