package io.chorus.pusher;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.chorus.ChorusConfig;
import io.chorus.hub.RoomRegistry;
import io.chorus.protocol.ReservedEvents;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * Pusher's HTTP API (docs/pusher.md), what the Pusher server SDKs call: trigger events ({@code events},
 * {@code batch_events}) and ask about channels. Every request must be signed with the app's secret
 * ({@link RequestSignature}) within {@code chorus.pusher.timestamp-window}, and, with {@code chorus.pusher.replay-guard},
 * a signed {@code POST} is accepted once ({@link SignatureReplays}); refusals are 401 with the reason.
 * Triggered events go through the rooms' history and backplane ({@link ChannelEvents}), so they reach Pusher and
 * native subscribers on every replica.
 */
@Path("/apps/{appId}")
public class PusherHttpApi {

    private static final Logger LOG = Logger.getLogger(PusherHttpApi.class);
    private static final Pattern SOCKET_ID = Pattern.compile("\\d+\\.\\d+");
    private static final int MAX_CHANNELS_PER_EVENT = 100;
    private static final int MAX_BATCH = 10;
    private static final int MAX_EVENT_NAME = 200;

    private final PusherApps apps;
    private final ChannelEvents events;
    private final ChannelIndex index;
    private final RoomRegistry rooms;
    private final ChorusConfig config;
    private final SignatureReplays replays;

    PusherHttpApi(PusherApps apps, ChannelEvents events, ChannelIndex index, RoomRegistry rooms,
            SignatureReplays replays, ChorusConfig config) {
        this.replays = replays;
        this.apps = apps;
        this.events = events;
        this.index = index;
        this.rooms = rooms;
        this.config = config;
    }

    /** One event for one or more channels: {@code {"name","data","channels"|"channel","socket_id"?}}. */
    @POST
    @Path("/events")
    public Uni<Response> trigger(@PathParam("appId") String appId, @Context HttpServerRequest request, String body) {
        return authorized(appId, request, body, app -> {
            JsonNode event = parse(body);
            if (event == null) {
                return text(400, "The body must be a JSON object");
            }
            List<String> channels = new ArrayList<>();
            if (event.path("channels").isArray()) {
                event.get("channels").forEach(channel -> channels.add(channel.asText(null)));
            } else if (event.path("channel").isTextual()) {
                channels.add(event.get("channel").textValue());
            }
            if (channels.isEmpty() || channels.size() > MAX_CHANNELS_PER_EVENT) {
                return text(400, "An event needs 1 to " + MAX_CHANNELS_PER_EVENT + " channels");
            }
            List<Uni<io.chorus.protocol.StreamPosition>> published = new ArrayList<>();
            for (String channel : channels) {
                Uni<Response> invalid = invalidEvent(event, channel);
                if (invalid != null) {
                    return invalid;
                }
            }
            for (String channel : channels) {
                published.add(publish(app, channel, event));
            }
            return Uni.join().all(published).andFailFast().map(done -> json(200, "{}"))
                    .onFailure().recoverWithItem(this::unavailable);
        });
    }

    /** Up to 10 events, each for one channel: {@code {"batch":[{"channel","name","data","socket_id"?}…]}}. */
    @POST
    @Path("/batch_events")
    public Uni<Response> triggerBatch(@PathParam("appId") String appId, @Context HttpServerRequest request, String body) {
        return authorized(appId, request, body, app -> {
            JsonNode batch = parse(body);
            if (batch == null || !batch.path("batch").isArray() || batch.get("batch").isEmpty()
                    || batch.get("batch").size() > MAX_BATCH) {
                return text(400, "The body must be {\"batch\":[…]} with 1 to " + MAX_BATCH + " events");
            }
            for (JsonNode event : batch.get("batch")) {
                Uni<Response> invalid = invalidEvent(event, event.path("channel").asText(null));
                if (invalid != null) {
                    return invalid;
                }
            }
            List<Uni<io.chorus.protocol.StreamPosition>> published = new ArrayList<>();
            for (JsonNode event : batch.get("batch")) {
                published.add(publish(app, event.get("channel").textValue(), event));
            }
            return Uni.join().all(published).andFailFast().map(done -> json(200, "{\"batch\":[]}"))
                    .onFailure().recoverWithItem(this::unavailable);
        });
    }

    /** The occupied channels, optionally those starting with {@code filter_by_prefix}, with {@code info=user_count}. */
    @GET
    @Path("/channels")
    public Uni<Response> channels(@PathParam("appId") String appId, @Context HttpServerRequest request) {
        return authorized(appId, request, null, app -> {
            String prefix = request.getParam("filter_by_prefix");
            Set<String> info = infoOf(request);
            if (!Set.of("user_count").containsAll(info)) {
                return text(400, "info may only ask for user_count here");
            }
            boolean userCount = info.contains("user_count");
            if (userCount && (prefix == null || !prefix.startsWith("presence-"))) {
                return text(400, "info=user_count needs filter_by_prefix=presence-");
            }
            return index.occupied(app).chain(occupied -> {
                List<String> listed = occupied.stream().filter(c -> prefix == null || c.startsWith(prefix)).toList();
                Map<String, Long> none = new HashMap<>();
                listed.forEach(c -> none.put(c, null));
                if (!userCount || listed.isEmpty()) {
                    return Uni.createFrom().item(none);
                }
                List<Uni<Map.Entry<String, Long>>> counts = new ArrayList<>();
                for (String c : listed) {
                    counts.add(rooms.members(app.roomOf(c)).map(m -> Map.entry(c, m.count())));
                }
                return Uni.join().all(counts).andFailFast().map(entries -> {
                    Map<String, Long> map = new HashMap<>();
                    entries.forEach(e -> map.put(e.getKey(), e.getValue()));
                    return map;
                });
            }).map(map -> json(200, PusherFrames.json(g -> {
                g.writeStartObject();
                g.writeObjectFieldStart("channels");
                for (var entry : new java.util.TreeMap<>(map).entrySet()) {
                    g.writeObjectFieldStart(entry.getKey());
                    if (entry.getValue() != null) {
                        g.writeNumberField("user_count", entry.getValue());
                    }
                    g.writeEndObject();
                }
                g.writeEndObject();
                g.writeEndObject();
            }))).onFailure().recoverWithItem(this::unavailable);
        });
    }

    /** One channel: {@code occupied}, and {@code user_count} of a presence channel when {@code info} asks for it. */
    @GET
    @Path("/channels/{channel}")
    public Uni<Response> channel(@PathParam("appId") String appId, @PathParam("channel") String channel,
            @Context HttpServerRequest request) {
        return authorized(appId, request, null, app -> {
            if (!ChannelName.isValid(channel)) {
                return text(400, "Invalid channel name");
            }
            Set<String> info = infoOf(request);
            boolean userCount = info.contains("user_count");
            if (userCount && !ChannelName.isPresence(channel)) {
                return text(400, "user_count is only for presence channels");
            }
            Uni<Long> users = userCount ? rooms.members(app.roomOf(channel)).map(m -> m.count())
                    : Uni.createFrom().item((Long) null);
            return index.occupied(app).map(occupied -> occupied.contains(channel)).chain(occupied -> users
                    .map(count -> json(200, PusherFrames.json(g -> {
                        g.writeStartObject();
                        g.writeBooleanField("occupied", occupied);
                        if (count != null) {
                            g.writeNumberField("user_count", count);
                        }
                        g.writeEndObject();
                    })))).onFailure().recoverWithItem(this::unavailable);
        });
    }

    /** The users of a presence channel, cluster-wide. */
    @GET
    @Path("/channels/{channel}/users")
    public Uni<Response> users(@PathParam("appId") String appId, @PathParam("channel") String channel,
            @Context HttpServerRequest request) {
        return authorized(appId, request, null, app -> {
            if (!ChannelName.isValid(channel) || !ChannelName.isPresence(channel)) {
                return text(400, "Users are listed for presence channels only");
            }
            return rooms.members(app.roomOf(channel)).map(members -> json(200, PusherFrames.json(g -> {
                g.writeStartObject();
                g.writeArrayFieldStart("users");
                for (String user : members.users()) {
                    g.writeStartObject();
                    g.writeStringField("id", user);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }))).onFailure().recoverWithItem(this::unavailable);
        });
    }

    private interface Handler {
        Uni<Response> handle(PusherApp app);
    }

    private Uni<Response> authorized(String appId, HttpServerRequest request, String body, Handler handler) {
        var app = apps.byId(appId);
        if (app.isEmpty()) {
            return text(404, "Unknown app");
        }
        Map<String, List<String>> query = new HashMap<>();
        request.params().forEach(entry -> query.computeIfAbsent(entry.getKey(), k -> new ArrayList<>()).add(entry.getValue()));
        long now = System.currentTimeMillis() / 1000;
        String refusal = RequestSignature.refusal(app.get(), request.method().name(), request.path(), query, body,
                now, config.pusher().timestampWindow());
        if (refusal != null) {
            return text(401, refusal);
        }
        if (request.method() == HttpMethod.POST && !replays.firstUse(query.get("auth_signature").get(0),
                Long.parseLong(query.get("auth_timestamp").get(0)), now)) {
            return text(401, "Replayed request: this signature was already used (chorus.pusher.replay-guard)");
        }
        return handler.handle(app.get());
    }

    /** Why an event cannot be published on a channel, as a response, or null when it can. */
    private Uni<Response> invalidEvent(JsonNode event, String channel) {
        if (!ChannelName.isValid(channel)) {
            return text(400, "Invalid channel name: " + channel);
        }
        JsonNode name = event.get("name");
        if (name == null || !name.isTextual() || name.textValue().isEmpty() || name.textValue().length() > MAX_EVENT_NAME) {
            return text(400, "An event needs a name of 1 to " + MAX_EVENT_NAME + " characters");
        }
        if (ReservedEvents.isReserved(name.textValue())) {
            return text(400, ReservedEvents.refusal(name.textValue()));
        }
        JsonNode data = event.get("data");
        if (data == null) {
            return text(400, "An event needs data");
        }
        if (PusherFrames.dataText(data).length() > config.limits().maxMessageBytes()) {
            return text(413, "Event data is larger than " + config.limits().maxMessageBytes() + " bytes");
        }
        JsonNode socketId = event.get("socket_id");
        if (socketId != null && !(socketId.isTextual() && SOCKET_ID.matcher(socketId.textValue()).matches())) {
            return text(400, "Invalid socket_id");
        }
        return null;
    }

    private Uni<io.chorus.protocol.StreamPosition> publish(PusherApp app, String channel, JsonNode event) {
        JsonNode socketId = event.get("socket_id");
        return events.publish(app, channel, event.get("name").textValue(), event.get("data"), null,
                socketId == null ? null : socketId.textValue());
    }

    private static Set<String> infoOf(HttpServerRequest request) {
        String info = request.getParam("info");
        return info == null || info.isBlank() ? Set.of() : Set.of(info.split(","));
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode node = body == null ? null : PusherFrames.MAPPER.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private Response unavailable(Throwable failure) {
        LOG.debugf("Pusher HTTP API request failed: %s", failure);
        return Response.status(503).type(MediaType.TEXT_PLAIN).entity("The backplane is unavailable; try again").build();
    }

    private static Uni<Response> text(int status, String message) {
        return Uni.createFrom().item(Response.status(status).type(MediaType.TEXT_PLAIN).entity(message).build());
    }

    private static Response json(int status, String body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
