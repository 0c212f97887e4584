package io.chorus.api;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.chorus.hub.UserRegistry;
import io.chorus.protocol.Names;
import io.smallrye.mutiny.Uni;

/** Disconnecting users, wherever they are connected. */
@Path("/api/users/{user}/connections")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Connections")
@SecurityRequirement(name = "bearer")
public class ConnectionsResource {

    private final UserRegistry users;

    ConnectionsResource(UserRegistry users) {
        this.users = users;
    }

    @DELETE
    @Operation(summary = "Close every connection of a user on every replica, with close code 4005",
            description = "A client holding a still-valid token can reconnect: revoke its tokens as well to keep it out.")
    @APIResponse(responseCode = "202", description = "The order went out to every replica")
    @APIResponse(responseCode = "400", description = "Invalid user id")
    @APIResponse(responseCode = "503", description = "The backplane is unavailable")
    public Uni<Response> disconnect(@PathParam("user") String user) {
        if (!Names.isUser(user)) {
            return Uni.createFrom().item(ApiError.badRequest("invalid user id"));
        }
        return users.disconnectEverywhere(user).map(ok -> Response.accepted().build())
                .onFailure().recoverWithItem(ApiError::backplaneUnavailable);
    }
}
