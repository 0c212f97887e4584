package io.chorus.hub;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.Subscription;
import io.chorus.protocol.ServerFrames;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

/**
 * This replica's connections grouped by name (rooms, or users), each group on its own backplane channel
 * ({@code <channelPrefix><name>}). The replica subscribes to a group's channel when its first local member arrives and
 * unsubscribes when its last one goes, so it never receives traffic none of its clients wants.
 * <p>
 * Group changes are serialised on this object; delivery reads the concurrent maps without locking.
 */
final class LocalGroups {

    private static final Logger LOG = Logger.getLogger(LocalGroups.class);

    private final Backplane backplane;
    private final BackplaneTraffic traffic;
    private final String channelPrefix;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final Map<WebSocketConnection, Set<String>> groupsOf = new ConcurrentHashMap<>();

    private static final class Group {
        final Set<WebSocketConnection> members = ConcurrentHashMap.newKeySet();
        Subscription subscription;
    }

    LocalGroups(Backplane backplane, BackplaneTraffic traffic, String channelPrefix) {
        this.backplane = backplane;
        this.traffic = traffic;
        this.channelPrefix = channelPrefix;
    }

    String channelOf(String name) {
        return channelPrefix + name;
    }

    /**
     * Adds a connection to a group. The item — true if it was not a member yet — comes once the group's
     * subscription is live, so everything published on the group's channel from then on reaches the connection.
     */
    Uni<Boolean> add(String name, WebSocketConnection connection) {
        Group group;
        boolean added;
        synchronized (this) {
            group = groups.get(name);
            if (group == null) {
                Group created = new Group();
                created.subscription = backplane.subscribe(channelOf(name), frame -> deliver(name, created, frame));
                groups.put(name, created);
                group = created;
            }
            added = group.members.add(connection);
            if (added) {
                groupsOf.computeIfAbsent(connection, c -> ConcurrentHashMap.newKeySet()).add(name);
            }
        }
        return group.subscription.whenLive().replaceWith(added);
    }

    /** Removes a connection from a group; true if it was a member. The last member out closes the subscription. */
    synchronized boolean remove(String name, WebSocketConnection connection) {
        Group group = groups.get(name);
        if (group == null || !group.members.remove(connection)) {
            return false;
        }
        groupsOf.computeIfPresent(connection, (c, names) -> {
            names.remove(name);
            return names.isEmpty() ? null : names;
        });
        if (group.members.isEmpty()) {
            groups.remove(name);
            group.subscription.close();
        }
        return true;
    }

    /** The groups a connection is in. */
    Set<String> groupsOf(WebSocketConnection connection) {
        return Set.copyOf(groupsOf.getOrDefault(connection, Set.of()));
    }

    /** Number of groups with a member on this replica (= channels subscribed). */
    int size() {
        return groups.size();
    }

    private void deliver(String name, Group group, String frame) {
        traffic.received();
        if (ServerFrames.isDeliverable(frame)) {
            Fanout.write(group.members, frame);
        } else {
            LOG.warnf("Ignored a message on %s that is not a v%d event (%d chars)", channelOf(name),
                    ServerFrames.VERSION, frame.length());
        }
    }
}
