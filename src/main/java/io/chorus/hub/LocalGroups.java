package io.chorus.hub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.Subscription;
import io.chorus.history.HistoryRead;
import io.chorus.history.SharedReads;
import io.chorus.history.StreamName;
import io.chorus.protocol.ServerFrames;
import io.chorus.protocol.StreamPosition;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * This replica's connections grouped by name (rooms, users, or the one broadcast group), each group on its own
 * backplane channel. The replica subscribes to a group's channel when its first local member arrives and
 * unsubscribes when its last one goes (unless the group is pinned), so it never receives traffic none of its
 * clients wants.
 * <p>
 * Groups whose stream keeps history ({@code streams} non-null) also make sure nothing is lost or doubled:
 * <ul>
 * <li>a joining connection is in the group from the start, but what is delivered to it is held back until its
 * recovery read (from its last position, or from the current top) is done; then it gets the missed messages, then
 * the held-back ones that are newer, in order;</li>
 * <li>when the subscription comes back after the backplane was lost, the group reads what it missed from history
 * and delivers it before anything newer; if history cannot fill the gap, members get a {@code gap} event;</li>
 * <li>a message at or below the group's last delivered offset is not delivered again.</li>
 * </ul>
 * Members that speak a {@link Dialect} get each frame translated, once per frame, by the dialect.
 * <p>
 * Membership changes are serialised on this object; per-group delivery state on the group.
 */
final class LocalGroups {

    private static final Logger LOG = Logger.getLogger(LocalGroups.class);

    /** What a join found: whether it added the connection, whether it recovered, and the group's position. */
    record Joined(boolean added, Boolean recovered, StreamPosition position) {
    }

    private final Backplane backplane;
    private final BackplaneTraffic traffic;
    private final Fanout fanout;
    private final ControlFrames control;
    private final Function<String, String> channelNaming;
    private final Function<String, StreamName> streamNaming;
    private final SharedReads streams;
    private final Duration joinTimeout;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    /** Each connection's groups, as small immutable sets (most connections are in one or two groups). */
    private final Map<WebSocketConnection, Set<String>> groupsOf = new ConcurrentHashMap<>();

    private static final class Group {
        final String name;
        final boolean pinned;
        final Set<WebSocketConnection> members = ConcurrentHashMap.newKeySet();
        Subscription subscription;
        // guarded by the group
        final Map<WebSocketConnection, List<String>> heldBack = new HashMap<>();
        /** Members that recovered beyond the group's last delivery: skip what they already have. */
        final Map<WebSocketConnection, StreamPosition> caughtUpTo = new HashMap<>();
        /** Members whose user may not see the group's presence events. */
        final Set<WebSocketConnection> presenceHidden = new HashSet<>();
        List<String> refilling;
        StreamPosition last;
        /** Members that speak a dialect (guarded by the group): while none, frames go to everyone as they are. */
        int dialectMembers;

        Group(String name, boolean pinned) {
            this.name = name;
            this.pinned = pinned;
        }
    }

    /**
     * Groups without history (direct messages); {@code control} sees each received frame first and may act on it
     * instead of delivering it.
     */
    LocalGroups(Backplane backplane, BackplaneTraffic traffic, Fanout fanout, Function<String, String> channelNaming,
            Duration joinTimeout, ControlFrames control) {
        this(backplane, traffic, fanout, channelNaming, null, null, joinTimeout, control);
    }

    /** Frames on a group's channel meant for the replicas, not for the members. */
    interface ControlFrames {
        /** Whether the frame was one, and was acted on (it is then not delivered). */
        boolean handled(Set<WebSocketConnection> members, String frame);
    }

    /** Groups whose stream keeps history, read through {@code streams}. */
    LocalGroups(Backplane backplane, BackplaneTraffic traffic, Fanout fanout, Function<String, String> channelNaming,
            Function<String, StreamName> streamNaming, SharedReads streams, Duration joinTimeout) {
        this(backplane, traffic, fanout, channelNaming, streamNaming, streams, joinTimeout, null);
    }

    private LocalGroups(Backplane backplane, BackplaneTraffic traffic, Fanout fanout,
            Function<String, String> channelNaming, Function<String, StreamName> streamNaming, SharedReads streams,
            Duration joinTimeout, ControlFrames control) {
        this.control = control;
        this.backplane = backplane;
        this.traffic = traffic;
        this.fanout = fanout;
        this.channelNaming = channelNaming;
        this.streamNaming = streamNaming;
        this.streams = streams;
        this.joinTimeout = joinTimeout;
    }

    String channelOf(String name) {
        return channelNaming.apply(name);
    }

    /** Subscribes a group that stays subscribed without members (the broadcast group). */
    synchronized Subscription pin(String name) {
        return groups.computeIfAbsent(name, n -> create(n, true)).subscription;
    }
    /**
     * Adds a connection to a group. Completes once the group's subscription is live — so everything published
     * afterwards reaches the connection — and, for groups with history, once the connection has been sent what it
     * missed since {@code since} (null: nothing to recover). {@code answer} runs just before those missed messages
     * are written, to send the reply that announces them.
     * <p>
     * Fails with a {@link TimeoutException} when the backplane does not answer within the join timeout; the
     * connection then stays in the group without recovery (anything held back for it is written), and the caller
     * decides whether to keep it there.
     */
    Uni<Joined> add(String name, WebSocketConnection connection, StreamPosition since, boolean seesPresence,
            JoinReply answer) {
        return add(name, connection, since, joinTimeout, seesPresence, answer);
    }

    /** As {@link #add(String, WebSocketConnection, StreamPosition, boolean, JoinReply)}, waiting at most {@code wait}. */
    Uni<Joined> add(String name, WebSocketConnection connection, StreamPosition since, Duration wait, JoinReply answer) {
        return add(name, connection, since, wait, true, answer);
    }

    private Uni<Joined> add(String name, WebSocketConnection connection, StreamPosition since, Duration wait,
            boolean seesPresence, JoinReply answer) {
        Group group;
        boolean added;
        synchronized (this) {
            group = groups.computeIfAbsent(name, n -> create(n, false));
            synchronized (group) { // a delivery sees the new member either not at all or already held back
                added = group.members.add(connection);
                if (added && streams != null) {
                    group.heldBack.put(connection, new ArrayList<>());
                }
                if (added && !seesPresence) {
                    group.presenceHidden.add(connection);
                }
                if (added && connection.userData().get(Dialect.KEY) != null) {
                    group.dialectMembers++;
                }
            }
            if (added) {
                groupsOf.compute(connection, (c, names) -> with(names, name));
            }
        }
        Uni<Void> live = group.subscription.whenLive();
        if (streams == null || !added) {
            return live.ifNoItem().after(wait).failWith(TimeoutException::new).map(ok -> {
                answer.send(null, null);
                return new Joined(added, null, null);
            });
        }
        StreamName stream = streamNaming.apply(name);
        Group joinedGroup = group;
        Uni<HistoryRead> read = since == null
                ? live.chain(() -> streams.top(stream)).map(top -> new HistoryRead(true, List.of(), top))
                : live.chain(() -> streams.readAll(stream, since));
        return read.ifNoItem().after(wait).failWith(TimeoutException::new)
                .emitOn(onContextOf(Vertx.currentContext())) // the connection's own event loop: its writes stay in order
                .map(history -> release(joinedGroup, connection, since, history, answer))
                .onFailure().invoke(() -> writeHeldBack(joinedGroup, connection));
    }

    /** Ends a connection's recovery without history: what was held back for it is written as it is. */
    private void writeHeldBack(Group group, WebSocketConnection connection) {
        synchronized (group) {
            List<String> held = group.heldBack.remove(connection);
            if (held != null) {
                held.forEach(frame -> new Outgoing(group.name, frame).writeTo(connection));
            }
        }
    }

    /** Sends a joining connection its answer, what it missed, then what was held back for it while it recovered. */
    private Joined release(Group group, WebSocketConnection connection, StreamPosition since, HistoryRead history,
            JoinReply answer) {
        synchronized (group) {
            List<String> held = group.heldBack.remove(connection);
            StreamPosition position = history.top();
            if (group.last == null || !position.epoch().equals(group.last.epoch())) {
                group.last = position;
            }
            Boolean recovered = since == null ? null : history.recoverable();
            Joined joined = new Joined(true, recovered, position);
            answer.send(recovered, position);
            StreamPosition written = history.recoverable() ? (since == null ? position : since) : null;
            for (String frame : history.frames()) {
                new Outgoing(group.name, frame).writeTo(connection);
                written = ServerFrames.positionOf(frame);
            }
            for (String frame : held == null ? List.<String> of() : held) {
                StreamPosition at = ServerFrames.positionOf(frame);
                if (at == null || written == null || !at.epoch().equals(written.epoch()) || at.offset() > written.offset()) {
                    new Outgoing(group.name, frame).writeTo(connection);
                    written = at == null ? written : at;
                }
            }
            // History may have given it messages whose live copies have not reached this replica yet
            StreamPosition last = group.last;
            if (written != null && last != null && written.epoch().equals(last.epoch()) && written.offset() > last.offset()) {
                group.caughtUpTo.put(connection, written);
            }
            return joined;
        }
    }

    /** Removes a connection from a group; true if it was a member. The last member out closes the subscription. */
    synchronized boolean remove(String name, WebSocketConnection connection) {
        Group group = groups.get(name);
        if (group == null || !group.members.remove(connection)) {
            return false;
        }
        groupsOf.computeIfPresent(connection, (c, names) -> without(names, name));
        synchronized (group) {
            group.heldBack.remove(connection);
            group.caughtUpTo.remove(connection);
            group.presenceHidden.remove(connection);
            if (connection.userData().get(Dialect.KEY) != null) {
                group.dialectMembers--;
            }
        }
        if (group.members.isEmpty() && !group.pinned) {
            groups.remove(name);
            group.subscription.close();
        }
        return true;
    }

    /** The groups a connection is in (an immutable snapshot). */
    Set<String> groupsOf(WebSocketConnection connection) {
        return groupsOf.getOrDefault(connection, Set.of());
    }

    private static Set<String> with(Set<String> names, String name) {
        if (names == null) {
            return Set.of(name);
        }
        if (names.contains(name)) {
            return names;
        }
        Set<String> more = new HashSet<>(names);
        more.add(name);
        return Set.copyOf(more);
    }

    private static Set<String> without(Set<String> names, String name) {
        if (!names.contains(name)) {
            return names;
        }
        Set<String> fewer = new HashSet<>(names);
        fewer.remove(name);
        return fewer.isEmpty() ? null : Set.copyOf(fewer);
    }

    /** Number of groups subscribed on this replica. */
    int size() {
        return groups.size();
    }

    private Group create(String name, boolean pinned) {
        Group group = new Group(name, pinned);
        group.subscription = backplane.subscribe(channelOf(name), frame -> deliver(group, frame));
        if (streams != null) {
            group.subscription.onRelive(() -> refill(group));
        }
        return group;
    }

    private void deliver(Group group, String frame) {
        traffic.received(frame);
        if (control != null && control.handled(group.members, frame)) {
            return;
        }
        if (!ServerFrames.isDeliverable(frame)) {
            LOG.warnf("Ignored a message on %s that is not a v%d event (%d chars)", channelOf(group.name),
                    ServerFrames.VERSION, frame.length());
            return;
        }
        if (streams == null) {
            fanout.write(group.members, frame);
            return;
        }
        synchronized (group) {
            if (group.refilling != null) {
                group.refilling.add(frame);
                return;
            }
            deliverInOrder(group, frame);
        }
    }

    /** Delivers one frame of a history stream, at most once per offset; the caller holds the group's lock. */
    private void deliverInOrder(Group group, String frame) {
        StreamPosition at = ServerFrames.positionOf(frame);
        if (at != null) {
            StreamPosition last = group.last;
            if (last != null && at.epoch().equals(last.epoch()) && at.offset() <= last.offset()) {
                return; // already delivered (a refill overlapping live delivery)
            }
            if (last != null && !at.epoch().equals(last.epoch())) {
                group.caughtUpTo.clear();
                writeToMembers(group, ServerFrames.gap(roomOf(group), at), null); // history was lost: say so
            }
            group.last = at;
        }
        writeToMembers(group, frame, at);
    }

    /** Writes to every member, except that it is held back for recovering ones and skipped where already sent. */
    private void writeToMembers(Group group, String frame, StreamPosition at) {
        if (group.heldBack.isEmpty() && group.caughtUpTo.isEmpty() && group.presenceHidden.isEmpty()
                && group.dialectMembers == 0) {
            fanout.write(group.members, frame);
            return;
        }
        boolean presenceEvent = at == null && !group.presenceHidden.isEmpty() && ServerFrames.isPresenceEvent(frame);
        Outgoing outgoing = new Outgoing(group.name, frame);
        for (WebSocketConnection member : group.members) {
            if (presenceEvent && group.presenceHidden.contains(member)) {
                continue;
            }
            List<String> held = group.heldBack.get(member);
            StreamPosition caughtUp = group.caughtUpTo.get(member);
            if (held != null) {
                held.add(frame);
            } else if (caughtUp != null && at != null && at.epoch().equals(caughtUp.epoch())
                    && at.offset() <= caughtUp.offset()) {
                if (at.offset() == caughtUp.offset()) {
                    group.caughtUpTo.remove(member); // live delivery has caught up with what history gave it
                }
            } else {
                outgoing.add(member);
            }
        }
        outgoing.send();
    }

    /** After the backplane came back: deliver from history what was published while it was away. */
    private void refill(Group group) {
        StreamPosition from;
        synchronized (group) {
            if (group.last == null || group.refilling != null) {
                return;
            }
            group.refilling = new ArrayList<>();
            from = group.last;
        }
        streams.readAll(streamNaming.apply(group.name), from)
                .emitOn(onContextOf(Vertx.currentContext())) // the delivery thread, so refill and live writes keep order
                .subscribe().with(history -> {
            synchronized (group) {
                List<String> arrivedMeanwhile = group.refilling;
                group.refilling = null;
                boolean nothingToMiss = from.offset() == 0 && history.top().offset() == 0;
                if (!history.recoverable() && !nothingToMiss) {
                    LOG.warnf("History of %s does not reach back to %s: members may have missed messages", group.name,
                            from);
                    writeToMembers(group, ServerFrames.gap(roomOf(group), history.top()), null);
                    group.last = null;
                } else if (!history.frames().isEmpty()) {
                    LOG.infof("Refilled %d message(s) of %s missed while the backplane was away", history.frames().size(),
                            group.name);
                }
                history.frames().forEach(frame -> deliverInOrder(group, frame));
                arrivedMeanwhile.forEach(frame -> deliverInOrder(group, frame));
            }
        }, failure -> {
            synchronized (group) {
                List<String> arrivedMeanwhile = group.refilling;
                group.refilling = null;
                LOG.warnf("Could not read the history of %s after the backplane came back: %s", group.name, failure);
                writeToMembers(group, ServerFrames.gap(roomOf(group), from), null);
                arrivedMeanwhile.forEach(frame -> deliverInOrder(group, frame));
            }
        });
    }

    /**
     * One frame on its way to some of a group's members: the native text for most, translated at most once for each
     * dialect its recipients speak; each audience is handed to {@link Fanout} in one batched write.
     */
    private final class Outgoing {
        private final String group;
        private final String frame;
        private final List<WebSocketConnection> natives = new ArrayList<>();
        private Map<Dialect, Translated> translated; // most frames have no dialect recipient

        private record Translated(Dialect.Translation translation, List<WebSocketConnection> recipients) {
        }

        Outgoing(String group, String frame) {
            this.group = group;
            this.frame = frame;
        }

        void add(WebSocketConnection connection) {
            Dialect spoken = connection.userData().get(Dialect.KEY);
            if (spoken == null) {
                natives.add(connection);
                return;
            }
            if (translated == null) {
                translated = new HashMap<>(2);
            }
            Translated in = translated.computeIfAbsent(spoken,
                    dialect -> new Translated(dialect.translate(group, frame), new ArrayList<>()));
            if (in.translation() != null && spoken.accepts(connection, group, in.translation())) {
                in.recipients().add(connection);
            }
        }

        void send() {
            if (!natives.isEmpty()) {
                fanout.write(natives, frame);
            }
            if (translated != null) {
                translated.values().forEach(in -> {
                    if (!in.recipients().isEmpty()) {
                        fanout.write(in.recipients(), in.translation().text());
                    }
                });
            }
        }

        void writeTo(WebSocketConnection connection) {
            add(connection);
            send();
        }
    }

    /** Runs tasks on a Vert.x context (keeping their order), or right away when there is none. */
    private static Executor onContextOf(Context context) {
        return context == null ? Runnable::run : task -> context.runOnContext(ignored -> task.run());
    }

    /** The room a group's gap event names: its name, except for the broadcast group (no room). */
    private String roomOf(Group group) {
        return group.pinned ? null : group.name;
    }
}
