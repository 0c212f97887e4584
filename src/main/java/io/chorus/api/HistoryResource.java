package io.chorus.api;

import java.util.List;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.chorus.history.HistoryRead;
import io.chorus.history.RecentHistory;
import io.chorus.history.StreamName;
import io.chorus.hub.ClientFrame;
import io.chorus.protocol.Names;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;

/**
 * History reads: the latest messages of a room or of the broadcast stream, or those after a position. The messages
 * are the very {@code message} events clients received, with their positions.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "History")
@SecurityRequirement(name = "bearer")
public class HistoryResource {

    private final RecentHistory history;

    HistoryResource(RecentHistory history) {
        this.history = history;
    }

    @GET
    @Path("/rooms/{room}/history")
    @Operation(summary = "A room's messages: the latest ones, or those after since/epoch",
            description = "Answer: {position, recoverable, messages}. recoverable false: history no longer reaches "
                    + "back to since (trimmed, expired, or the epoch changed); position is the stream's position now.")
    @APIResponse(responseCode = "200", description = "{position, recoverable, messages}")
    @APIResponse(responseCode = "400", description = "Invalid room, or since without epoch, or limit out of range")
    @APIResponse(responseCode = "503", description = "History is unavailable (Redis is away)")
    public Uni<Response> room(@PathParam("room") String room,
            @Parameter(description = "Offset of the last message already seen") @QueryParam("since") Long since,
            @Parameter(description = "Epoch that offset belongs to") @QueryParam("epoch") String epoch,
            @Parameter(description = "Most messages to return (up to chorus.history.page-size)")
            @QueryParam("limit") @DefaultValue("50") int limit) {
        if (!Names.isRoom(room)) {
            return Uni.createFrom().item(ApiError.badRequest("invalid room name"));
        }
        return read(history.streamOf(room), since, epoch, limit);
    }

    @GET
    @Path("/broadcast/history")
    @Operation(summary = "The broadcast stream's messages: the latest ones, or those after since/epoch")
    @APIResponse(responseCode = "200", description = "{position, recoverable, messages}")
    @APIResponse(responseCode = "400", description = "since without epoch, or limit out of range")
    @APIResponse(responseCode = "503", description = "History is unavailable (Redis is away)")
    public Uni<Response> broadcast(@QueryParam("since") Long since, @QueryParam("epoch") String epoch,
            @QueryParam("limit") @DefaultValue("50") int limit) {
        return read(history.streamOf(null), since, epoch, limit);
    }

    private Uni<Response> read(StreamName stream, Long since, String epoch, int limit) {
        if (limit < 1 || limit > history.pageSize()) {
            return Uni.createFrom().item(ApiError.badRequest("limit must be 1.." + history.pageSize()));
        }
        if ((since == null) != (epoch == null) || (since != null && since < 0)) {
            return Uni.createFrom().item(ApiError.badRequest("since and epoch go together; since >= 0"));
        }
        return history.read(stream, since == null ? null : new StreamPosition(since, epoch), limit)
                .map(r -> Response.ok(json(r)).build())
                .onFailure().recoverWithItem(() -> ApiError.response(Response.Status.SERVICE_UNAVAILABLE,
                        "history_unavailable", "history is unavailable"));
    }

    /** The frames are JSON already: they are written into the answer as they are, not parsed again. */
    private static String json(HistoryRead read) {
        List<String> frames = ClientFrame.of(read.messages());
        StringBuilder json = new StringBuilder(64 + frames.stream().mapToInt(String::length).sum());
        json.append("{\"position\":{\"offset\":").append(read.top().offset())
                .append(",\"epoch\":\"").append(read.top().epoch()).append("\"},\"recoverable\":")
                .append(read.recoverable()).append(",\"messages\":[");
        for (int i = 0; i < frames.size(); i++) {
            json.append(i == 0 ? "" : ",").append(frames.get(i));
        }
        return json.append("]}").toString();
    }
}
