package io.chorus.api;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The body of every refused API call: a stable machine-readable {@code error} code and a human message. Registered for
 * reflection: it travels inside a {@code Response}, where the native build cannot see its type.
 */
@RegisterForReflection
public record ApiError(String error, String message) {

    static Response response(Response.Status status, String error, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ApiError(error, message)).build();
    }

    static Response badRequest(String message) {
        return response(Response.Status.BAD_REQUEST, "bad_request", message);
    }

    /** A publish the backplane did not confirm: it may still have gone out, with the id named in the message. */
    static Response unconfirmed(Throwable failure) {
        String message = failure instanceof io.chorus.hub.Publisher.Unconfirmed unconfirmed
                ? "the backplane did not confirm message " + unconfirmed.id() + ": it may not have been delivered"
                : "the backplane is unavailable";
        return response(Response.Status.SERVICE_UNAVAILABLE, "backplane_unavailable", message);
    }

    static Response backplaneUnavailable() {
        return response(Response.Status.SERVICE_UNAVAILABLE, "backplane_unavailable", "the backplane is unavailable");
    }
}
