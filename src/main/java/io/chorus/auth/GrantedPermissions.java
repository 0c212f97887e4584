package io.chorus.auth;

import io.chorus.hub.Permissions;
import io.chorus.protocol.ClientCommand;

/**
 * What one connection's user may do, as room (and user id) patterns: its token's grant with gaps filled from
 * {@code chorus.auth.defaults} ({@link Authorization}).
 */
public record GrantedPermissions(RoomPatterns subscribe, RoomPatterns publish, RoomPatterns presence,
        RoomPatterns direct, boolean broadcast, boolean online) implements Permissions {

    @Override
    public boolean mayJoin(String room) {
        return subscribe.covers(room);
    }

    @Override
    public boolean maySeePresence(String room) {
        return presence.covers(room);
    }

    @Override
    public String refusal(ClientCommand command) {
        if (command instanceof ClientCommand.Join join) {
            return subscribe.covers(join.room()) ? null : "not allowed to join " + join.room();
        } else if (command instanceof ClientCommand.Publish publish) {
            if (publish.room() == null) {
                return broadcast ? null : "not allowed to publish to everyone";
            }
            return this.publish.covers(publish.room()) ? null : "not allowed to publish to " + publish.room();
        } else if (command instanceof ClientCommand.Direct message) {
            return direct.covers(message.to()) ? null : "not allowed to send direct messages to " + message.to();
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
