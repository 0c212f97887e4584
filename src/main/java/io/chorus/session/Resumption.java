package io.chorus.session;

import java.util.Optional;

import io.chorus.auth.UserIdentity;
import io.chorus.protocol.StreamPosition;

/** Reads the broadcast position a reconnecting client resumes from: {@code ?since=<offset>&epoch=<epoch>}. */
final class Resumption {

    private Resumption() {
    }

    /**
     * The position to resume from: empty Optional inside when the query asks for none; an empty outer Optional when
     * it is malformed (only one of the two, a negative or non-numeric offset, an over-long epoch).
     */
    static Optional<Optional<StreamPosition>> since(String query) {
        String since = UserIdentity.queryParameter(query, "since");
        String epoch = UserIdentity.queryParameter(query, "epoch");
        if (since == null && epoch == null) {
            return Optional.of(Optional.empty());
        }
        if (since == null || epoch == null || epoch.length() > 64) { // "" is the epoch of a stream without history
            return Optional.empty();
        }
        try {
            long offset = Long.parseLong(since);
            return offset < 0 ? Optional.empty() : Optional.of(Optional.of(new StreamPosition(offset, epoch)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
