package io.chorus.auth;

import io.chorus.protocol.ClientCommand;

/** What one connection's user may do; checked by the endpoint before each command. */
public record Permissions(RoomPatterns subscribe, RoomPatterns publish, RoomPatterns presence, boolean broadcast,
        boolean online) {

    public boolean maySeePresence(String room) {
        return presence.covers(room);
    }

    /** Why the command is not allowed, or null when it is. */
    public String refusal(ClientCommand command) {
        if (command instanceof ClientCommand.Join join) {
            return subscribe.covers(join.room()) ? null : "not allowed to join " + join.room();
        } else if (command instanceof ClientCommand.Publish publish) {
            if (publish.room() == null) {
                return broadcast ? null : "not allowed to publish to everyone";
            }
            return this.publish.covers(publish.room()) ? null : "not allowed to publish to " + publish.room();
        } else if (command instanceof ClientCommand.History history && history.room() != null) {
            return subscribe.covers(history.room()) ? null : "not allowed to read " + history.room();
        } else if (command instanceof ClientCommand.ListMembers list) {
            return presence.covers(list.room()) ? null : "not allowed to see who is in " + list.room();
        } else if (command instanceof ClientCommand.ListOnline) {
            return online ? null : "not allowed to see who is online";
        }
        return null;
    }
}
