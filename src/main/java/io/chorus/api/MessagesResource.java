package io.chorus.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.chorus.hub.Publisher;
import io.chorus.protocol.Names;
import io.chorus.protocol.ReservedEvents;
import io.chorus.protocol.StreamPosition;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** The server publishes: to everyone, to a room, to one user — the same events, on the same path, as clients' own. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Messages")
@SecurityRequirement(name = "bearer")
@RegisterForReflection(targets = { Publisher.Published.class, StreamPosition.class }) // answers inside a Response
public class MessagesResource {

    private final Publisher publisher;

    MessagesResource(Publisher publisher) {
        this.publisher = publisher;
    }

    @POST
    @Path("/broadcast")
    @Operation(summary = "Publish to every connected client, on every replica (kept in the broadcast history)")
    @APIResponse(responseCode = "202", description = "Accepted by the backplane: {id, position}")
    @APIResponse(responseCode = "400", description = "No payload, a payload naming a reserved event (pusher:*), or an invalid sender")
    @APIResponse(responseCode = "503", description = "The backplane is unavailable: nothing was delivered")
    public Uni<Response> toEveryone(PublishRequest request) {
        Response invalid = invalid(request);
        return invalid != null ? Uni.createFrom().item(invalid)
                : accepted(publisher.toEveryone(request.sender(), request.payload()));
    }

    @POST
    @Path("/rooms/{room}/messages")
    @Operation(summary = "Publish to every member of a room, wherever connected (kept in the room's history)")
    @APIResponse(responseCode = "202", description = "Accepted by the backplane: {id, position}")
    @APIResponse(responseCode = "400", description = "Invalid room name, no payload, a payload naming a reserved event (pusher:*), or an invalid sender")
    @APIResponse(responseCode = "503", description = "The backplane is unavailable: nothing was delivered")
    public Uni<Response> toRoom(@PathParam("room") String room, PublishRequest request) {
        Response invalid = !Names.isRoom(room) ? ApiError.badRequest("invalid room name") : invalid(request);
        return invalid != null ? Uni.createFrom().item(invalid)
                : accepted(publisher.toRoom(room, request.sender(), request.payload()));
    }

    @POST
    @Path("/users/{user}/messages")
    @Operation(summary = "Send to every connection of one user, wherever connected (no history)")
    @APIResponse(responseCode = "202", description = "Accepted by the backplane: {id}")
    @APIResponse(responseCode = "400", description = "Invalid user id, no payload, a payload naming a reserved event (pusher:*), or an invalid sender")
    @APIResponse(responseCode = "503", description = "The backplane is unavailable: nothing was delivered")
    public Uni<Response> toUser(@PathParam("user") String user, PublishRequest request) {
        Response invalid = !Names.isUser(user) ? ApiError.badRequest("invalid user id") : invalid(request);
        return invalid != null ? Uni.createFrom().item(invalid)
                : accepted(publisher.toUser(user, request.sender(), request.payload()));
    }

    private static Response invalid(PublishRequest request) {
        if (request == null || request.payload() == null) {
            return ApiError.badRequest("missing field: payload");
        }
        if (ReservedEvents.named(request.payload())) {
            return ApiError.badRequest(ReservedEvents.refusal(request.payload().get("event").textValue()));
        }
        return Names.isUser(request.sender()) ? null : ApiError.badRequest("invalid sender id: from");
    }

    private static Uni<Response> accepted(Uni<Publisher.Published> publish) {
        return publish.map(published -> Response.accepted(published).build())
                .onFailure().recoverWithItem(ApiError::unconfirmed);
    }
}
