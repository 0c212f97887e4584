package io.chorus.presence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.smallrye.mutiny.Uni;

/** Presence for a single replica on the embedded backplane: in memory, nothing to expire. */
public final class LocalPresence implements Presence {

    private final Map<String, Scope> scopes = new HashMap<>();

    private static final class Scope {
        final Map<String, String> userOfConnection = new HashMap<>();
        final Map<String, Integer> connectionsOfUser = new HashMap<>();
        final Map<String, String> infoOfUser = new HashMap<>();
    }

    @Override
    public synchronized Uni<Change> add(String scope, String connectionId, String user, String info) {
        Scope s = scopes.computeIfAbsent(scope, k -> new Scope());
        if (info != null) {
            s.infoOfUser.put(user, info);
        }
        boolean first = s.userOfConnection.putIfAbsent(connectionId, user) == null
                && s.connectionsOfUser.merge(user, 1, Integer::sum) == 1;
        return Uni.createFrom().item(new Change(first ? user : null, s.connectionsOfUser.size()));
    }

    @Override
    public synchronized Uni<Change> remove(String scope, String connectionId) {
        Scope s = scopes.get(scope);
        String user = s == null ? null : s.userOfConnection.remove(connectionId);
        if (user == null) {
            return Uni.createFrom().item(new Change(null, s == null ? 0 : s.connectionsOfUser.size()));
        }
        Integer left = s.connectionsOfUser.computeIfPresent(user, (u, n) -> n > 1 ? n - 1 : null);
        if (left == null) {
            s.infoOfUser.remove(user);
        }
        if (s.userOfConnection.isEmpty()) {
            scopes.remove(scope);
        }
        return Uni.createFrom().item(new Change(left == null ? user : null, s.connectionsOfUser.size()));
    }

    @Override
    public synchronized Uni<Members> members(String scope, int limit) {
        Scope s = scopes.get(scope);
        if (s == null) {
            return Uni.createFrom().item(new Members(0, List.of()));
        }
        List<String> users = new ArrayList<>(s.connectionsOfUser.keySet());
        List<String> listed = List.copyOf(users.subList(0, Math.min(limit, users.size())));
        Map<String, String> info = new HashMap<>();
        for (String user : listed) {
            String said = s.infoOfUser.get(user);
            if (said != null) {
                info.put(user, said);
            }
        }
        return Uni.createFrom().item(new Members(users.size(), listed, info));
    }

    @Override
    public void listen(PresenceListener listener) {
        // Nothing expires in one process: connections leave presence when they close.
    }
}
