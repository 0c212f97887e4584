package io.chorus.api;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.chorus.hub.RoomRegistry;
import io.chorus.hub.UserRegistry;
import io.chorus.presence.Members;
import io.chorus.protocol.Names;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** Cluster-wide presence: who is in a room, who is online. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Presence")
@SecurityRequirement(name = "bearer")
public class PresenceResource {

    /** How many users are present (exact) and their ids (at most {@code chorus.presence.max-listed}). */
    @RegisterForReflection // inside a Response: the native build cannot see it
    public record Present(long count, List<String> users) {
        static Present of(Members members) {
            return new Present(members.count(), members.users());
        }
    }

    private final RoomRegistry rooms;
    private final UserRegistry users;

    PresenceResource(RoomRegistry rooms, UserRegistry users) {
        this.rooms = rooms;
        this.users = users;
    }

    @GET
    @Path("/rooms/{room}/members")
    @Operation(summary = "The users in a room, across the cluster")
    @APIResponse(responseCode = "200", description = "{count, users}")
    @APIResponse(responseCode = "400", description = "Invalid room name")
    @APIResponse(responseCode = "503", description = "Presence is unavailable (Redis is away)")
    public Uni<Response> members(@PathParam("room") String room) {
        if (!Names.isRoom(room)) {
            return Uni.createFrom().item(ApiError.badRequest("invalid room name"));
        }
        return present(rooms.members(room));
    }

    @GET
    @Path("/online")
    @Operation(summary = "The users connected anywhere in the cluster")
    @APIResponse(responseCode = "200", description = "{count, users}")
    @APIResponse(responseCode = "503", description = "Presence is unavailable (Redis is away)")
    public Uni<Response> online() {
        return present(users.online());
    }

    private static Uni<Response> present(Uni<Members> members) {
        return members.map(m -> Response.ok(Present.of(m)).build())
                .onFailure().recoverWithItem(() -> ApiError.response(Response.Status.SERVICE_UNAVAILABLE,
                        "presence_unavailable", "presence is unavailable"));
    }
}
