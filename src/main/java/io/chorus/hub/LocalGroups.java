package io.chorus.hub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.Envelope;
import io.chorus.backplane.Subscription;
import io.chorus.history.HistoryRead;
import io.chorus.history.SharedReads;
import io.chorus.history.StreamName;
import io.chorus.protocol.ServerFrames;
import io.chorus.protocol.StreamPosition;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple2;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * This replica's members (sessions) grouped by name (rooms, users, or the one broadcast group), each group on its
 * own backplane channel. The replica subscribes to a group's channel when its first local member arrives and
 * unsubscribes when its last one goes (unless the group is pinned), so it never receives traffic none of its
 * members wants.
 * <p>
 * Groups whose stream keeps history ({@code streams} non-null) keep the promise of docs/protocol.md ("Delivery
 * guarantee"): every member gets every message of the stream after its starting position exactly once, in offset
 * order, or a {@code gap} that covers what it cannot get.
 * <ul>
 * <li><b>Hold, catch up, release.</b> A joining member is in the group from the start, but what the group delivers
 * meanwhile is held for it. Its catch-up read (from its last position, or the current top) must reach the group's
 * last delivered position at the moment it began holding (its <em>mark</em>); a read that does not — one shared with
 * earlier joiners, sent before this one began holding — is followed by a fresh read of its own. Then it gets its
 * answer, what it missed, and what was held for it that is newer, in order.</li>
 * <li><b>Continuity.</b> The group delivers each offset at most once and in order. A message that does not follow
 * the last delivered one (the backplane lost some, or the stream has a new epoch) starts a refill: the group holds
 * live messages, reads what lies between from history, delivers it, then what it held. So does the subscription
 * coming back after the backplane was lost. What history cannot give is announced as a {@code gap}; a new epoch that
 * is complete from its start is announced as a gap of the old one and replayed.</li>
 * <li><b>Failure.</b> A join that fails (the backplane does not answer in time) writes nothing of the group to the
 * member: a room member is removed before the caller reports the failure; a member that must stay (the broadcast
 * group) gets its answer without a position, then what was held, in order.</li>
 * </ul>
 * A group keeps its members by event loop ({@link MembersByLoop}): a message for everyone in it is handed to each
 * loop once, as the list the group holds, with no per-recipient work on the thread the backplane delivers on.
 * <p>
 * Membership changes are serialised on this object; per-group delivery state on the group. No reply or write is made
 * under this object's lock, and completions of other parties never run under a group's lock.
 *
 * @param <M> the member type: sessions in production ({@link ConnectionDelivery})
 */
final class LocalGroups<M> {

    private static final Logger LOG = Logger.getLogger(LocalGroups.class);

    /** Refills in a row that found nothing to close the hole with before the hub gives up and reports a gap. */
    private static final int MAX_REFILLS_IN_A_ROW = 3;

    /** What a join found: whether it added the member, whether it recovered, and the position it announced. */
    record Joined(boolean added, Boolean recovered, StreamPosition position) {
    }

    /** Messages on a group's channel meant for the replicas, not for the members. */
    interface ControlFrames<M> {
        /** Whether the message was one, and was acted on (it is then not delivered). */
        boolean handled(Set<M> members, Envelope message);
    }

    private final Backplane backplane;
    private final BackplaneTraffic traffic;
    private final GroupDelivery<M> delivery;
    private final ControlFrames<M> control;
    private final Function<String, String> channelNaming;
    private final Function<String, StreamName> streamNaming;
    private final SharedReads streams;
    private final Duration joinTimeout;
    private final Map<String, Group<M>> groups = new ConcurrentHashMap<>();
    /** Each member's groups, as small immutable sets (most members are in one or two groups). */
    private final Map<M, Set<String>> groupsOf = new ConcurrentHashMap<>();
    private final List<Consumer<String>> reliveActions = new CopyOnWriteArrayList<>();

    private static final class Group<M> {
        final String name;
        final boolean pinned;
        /** Kept by event loop: a frame is handed to each loop once ({@link MembersByLoop#parts}). */
        final MembersByLoop<M> members;
        Subscription subscription;
        // guarded by the group
        /** Reads are shared only within one cohort: a new one each time the subscription becomes live again. */
        Object cohort = new Object();
        // The three below are the shared empty map or set while they hold no one (most groups, most of the time:
        // every connection has a group of its own, its user's), and a mutable one only while they do.
        /** Members catching up: what the group delivers meanwhile is held for them. */
        Map<M, Joiner> joining = Map.of();
        /** Members that history took beyond the group's live delivery: skip live copies of what they have. */
        Map<M, StreamPosition> caughtUpTo = Map.of();
        /** Members whose user may not see the group's presence events. */
        Set<M> presenceHidden = Set.of();
        /** Non-null while the group reads from history what the backplane did not bring: live messages wait here. */
        List<Envelope> refilling;
        int refillsInARow;
        /** The last position delivered to the members (live or from a refill), or the position a gap moved them to. */
        StreamPosition last;
        /** Members that speak a dialect: while none, frames go to everyone as they are. */
        int dialectMembers;

        Group(String name, boolean pinned, MembersByLoop<M> members) {
            this.name = name;
            this.pinned = pinned;
            this.members = members;
        }

        void joining(M member, Joiner joiner) {
            if (joining.isEmpty()) {
                joining = new HashMap<>(4);
            }
            joining.put(member, joiner);
        }

        void joined(M member) {
            if (!joining.isEmpty() && joining.remove(member) != null && joining.isEmpty()) {
                joining = Map.of();
            }
        }

        void caughtUpTo(M member, StreamPosition at) {
            if (caughtUpTo.isEmpty()) {
                caughtUpTo = new HashMap<>(4);
            }
            caughtUpTo.put(member, at);
        }

        void caughtUp(M member) {
            if (!caughtUpTo.isEmpty() && caughtUpTo.remove(member) != null && caughtUpTo.isEmpty()) {
                caughtUpTo = Map.of();
            }
        }

        void hidePresence(M member) {
            if (presenceHidden.isEmpty()) {
                presenceHidden = new HashSet<>(4);
            }
            presenceHidden.add(member);
        }

        void showPresence(M member) {
            if (!presenceHidden.isEmpty() && presenceHidden.remove(member) && presenceHidden.isEmpty()) {
                presenceHidden = Set.of();
            }
        }
    }

    /** A member catching up; guarded by its group. */
    private static final class Joiner {
        /** The group's last delivered position when the member began holding: its catch-up must reach it. */
        final StreamPosition mark;
        final List<Held> held = new ArrayList<>();
        boolean released;

        Joiner(StreamPosition mark) {
            this.mark = mark;
        }
    }

    /**
     * A frame for one member: a message (at its position), a gap (at the position it moves to), or a presence event;
     * {@code except}: the envelope's Pusher socket that must not receive it (null: none).
     */
    private record Held(String frame, StreamPosition at, boolean gap, String except) {
    }

    /**
     * Groups without history (direct messages); {@code control} sees each received frame first and may act on it
     * instead of delivering it.
     */
    LocalGroups(Backplane backplane, BackplaneTraffic traffic, GroupDelivery<M> delivery,
            Function<String, String> channelNaming, Duration joinTimeout, ControlFrames<M> control) {
        this(backplane, traffic, delivery, channelNaming, null, null, joinTimeout, control);
    }

    /** Groups whose stream keeps history, read through {@code streams}. */
    LocalGroups(Backplane backplane, BackplaneTraffic traffic, GroupDelivery<M> delivery,
            Function<String, String> channelNaming, Function<String, StreamName> streamNaming, SharedReads streams,
            Duration joinTimeout) {
        this(backplane, traffic, delivery, channelNaming, streamNaming, streams, joinTimeout, null);
    }

    private LocalGroups(Backplane backplane, BackplaneTraffic traffic, GroupDelivery<M> delivery,
            Function<String, String> channelNaming, Function<String, StreamName> streamNaming, SharedReads streams,
            Duration joinTimeout, ControlFrames<M> control) {
        this.control = control;
        this.backplane = backplane;
        this.traffic = traffic;
        this.delivery = delivery;
        this.channelNaming = channelNaming;
        this.streamNaming = streamNaming;
        this.streams = streams;
        this.joinTimeout = joinTimeout;
    }

    String channelOf(String name) {
        return channelNaming.apply(name);
    }

    /**
     * Runs the action with a group's name each time the group's subscription is live again after the backplane was
     * lost (groups whose stream keeps history), before what was published meanwhile is read back from history.
     */
    void onRelive(Consumer<String> action) {
        reliveActions.add(action);
    }

    /**
     * Writes a frame about the group's presence ({@link ServerFrames#isPresenceEvent}) to the members that see it, in
     * order with what the group delivers: held for joining members; what a refill under way holds follows it. Nothing
     * when the group has no local member any more.
     */
    void writePresence(String name, String frame) {
        Group<M> group = groups.get(name);
        if (group == null) {
            return;
        }
        synchronized (group) {
            writeToMembers(group, frame, null, null, false);
        }
    }

    /** Whether a member of the group here sees its presence events (not hidden from them, not a dialect's). */
    boolean anyMemberSeesPresence(String name) {
        Group<M> group = groups.get(name);
        if (group == null) {
            return false;
        }
        synchronized (group) {
            return group.members.size() > group.presenceHidden.size() + group.dialectMembers;
        }
    }

    /** Subscribes a group that stays subscribed without members (the broadcast group). */
    synchronized Subscription pin(String name) {
        return groups.computeIfAbsent(name, n -> create(n, true)).subscription;
    }

    /**
     * Adds a member to a group. Completes once the group's subscription is live — so everything published
     * afterwards reaches the member — and, for groups with history, once the member has been sent what it missed
     * since {@code since} (null: nothing to recover). {@code answer} runs just before those missed messages are
     * written, to send the reply that announces them.
     * <p>
     * Fails with a {@link TimeoutException} when the backplane does not answer within the join timeout; the member is
     * then no longer in the group, and nothing of the group was written to it.
     */
    Uni<Joined> add(String name, M member, StreamPosition since, boolean seesPresence, JoinReply answer) {
        return add(name, member, since, seesPresence, null, answer);
    }

    /**
     * As {@link #add(String, Object, StreamPosition, boolean, JoinReply)}, with {@code entering}: what the answer
     * also waits for when the member is new to the group, started once the subscription is live, beside the catch-up
     * read (a room member's presence record, so that whoever hears of the join finds it listed). It must not fail.
     */
    Uni<Joined> add(String name, M member, StreamPosition since, boolean seesPresence,
            Supplier<Uni<Void>> entering, JoinReply answer) {
        return add(name, member, since, joinTimeout, seesPresence, false, entering, answer);
    }

    /**
     * As {@link #add(String, Object, StreamPosition, boolean, JoinReply)}, waiting at most {@code wait}, for a member
     * that stays in the group when that fails: it is then answered with the group's last delivered position when it
     * joined ({@code recovered: false} if it asked to recover; no position if the group had delivered nothing yet),
     * and gets what was held for it, and live messages after.
     */
    Uni<Joined> addToStay(String name, M member, StreamPosition since, Duration wait, JoinReply answer) {
        return add(name, member, since, wait, true, true, null, answer);
    }

    /** As {@link #addToStay}: for groups without history (a user's direct messages), where nothing is held. */
    Uni<Joined> add(String name, M member, StreamPosition since, Duration wait, JoinReply answer) {
        return addToStay(name, member, since, wait, answer);
    }

    private Uni<Joined> add(String name, M member, StreamPosition since, Duration wait, boolean seesPresence,
            boolean stays, Supplier<Uni<Void>> entering, JoinReply answer) {
        Group<M> group;
        boolean added;
        Joiner joiner = null;
        synchronized (this) {
            group = groups.computeIfAbsent(name, n -> create(n, false));
            synchronized (group) { // a delivery sees the new member either not at all or already holding
                added = group.members.add(member);
                if (added && streams != null) {
                    joiner = new Joiner(group.last);
                    group.joining(member, joiner);
                }
                if (added && !seesPresence) {
                    group.hidePresence(member);
                }
                if (added && delivery.translates(member)) {
                    group.dialectMembers++;
                }
            }
            if (added) {
                groupsOf.compute(member, (c, names) -> with(names, name));
            }
        }
        Uni<Void> live = group.subscription.whenLive();
        Supplier<Uni<Void>> enters = added && entering != null ? entering : null;
        if (streams == null || !added) {
            Uni<Void> ready = enters == null ? live : live.chain(() -> enters.get());
            return ready.ifNoItem().after(wait).failWith(TimeoutException::new).map(ok -> {
                answer.send(null, null);
                return new Joined(added, null, null);
            });
        }
        Catchup catchup = new Catchup(group, member, joiner, since, stays, answer, streamNaming.apply(name),
                onContextOf(Vertx.currentContext())); // the member's own event loop: its writes stay in order
        Supplier<Uni<HistoryRead>> read = since == null
                ? () -> streams.top(catchup.stream, cohortOf(group))
                        .map(top -> HistoryRead.recovered(top, List.of(), top))
                : () -> streams.readAll(catchup.stream, since, cohortOf(group));
        Uni<HistoryRead> first = live.chain(() -> enters == null ? read.get()
                : Uni.combine().all().unis(read.get(), enters.get().replaceWith(Boolean.TRUE)).asTuple()
                        .map(Tuple2::getItem1));
        return first.emitOn(catchup.loop).chain(catchup::take)
                .ifNoItem().after(wait).failWith(TimeoutException::new)
                .onFailure().recoverWithUni(catchup::abandon);
    }

    private static Object cohortOf(Group<?> group) {
        synchronized (group) {
            return group.cohort;
        }
    }

    /** One member's way from joining to receiving live messages. */
    private final class Catchup {
        final Group<M> group;
        final M member;
        final Joiner joiner;
        final StreamPosition since;
        final boolean stays;
        final JoinReply answer;
        final StreamName stream;
        final Executor loop;
        /** What it is sent after the answer, in order: the missed messages, and gaps where history fell short. */
        final List<Held> missed = new ArrayList<>();
        Boolean recovered;
        StreamPosition announced;
        /** Where the member stands once {@link #missed} is written. */
        StreamPosition reached;
        boolean readAgain;
        Joined joined;

        Catchup(Group<M> group, M member, Joiner joiner, StreamPosition since, boolean stays, JoinReply answer,
                StreamName stream, Executor loop) {
            this.group = group;
            this.member = member;
            this.joiner = joiner;
            this.since = since;
            this.stays = stays;
            this.answer = answer;
            this.stream = stream;
            this.loop = loop;
        }

        /** Takes a read; releases the member once what it has reaches its mark, else reads again, fresh. */
        Uni<Joined> take(HistoryRead read) {
            if (reached == null) {
                recovered = since == null ? null : read.recoverable();
                announced = since == null || read.recoverable() ? read.top() : read.from();
            } else if (!read.recoverable()) {
                missed.add(new Held(ServerFrames.gap(roomOf(group), read.from()), read.from(), true, null));
            }
            for (Envelope message : read.messages()) {
                missed.add(new Held(ClientFrame.of(message), message.position(), false, message.except()));
            }
            reached = read.end();
            synchronized (group) {
                if (readAgain || covers(reached, joiner.mark) || joiner.released) {
                    return Uni.createFrom().item(release());
                }
                readAgain = true;
            }
            LOG.debugf("Catch-up read of %s ended at %s, before the group's %s: reading again", stream, reached,
                    joiner.mark);
            return streams.readAllFresh(stream, reached).emitOn(loop).chain(this::take);
        }

        /** Answers, writes what it missed, then what was held for it that is newer. Caller holds the group's lock. */
        private Joined release() {
            if (joiner.released) {
                return joined; // abandoned meanwhile
            }
            joiner.released = true;
            joined = new Joined(true, recovered, announced);
            if (group.joining.get(member) != joiner) {
                answer.send(recovered, announced); // left while catching up: the request is answered, nothing more
                return joined;
            }
            group.joined(member);
            answer.send(recovered, announced);
            for (Held frame : missed) {
                if (frame.gap()) {
                    writeTo(group, member, frame.frame(), null);
                } else {
                    delivery.replay(group.name, member, frame.frame(), frame.except());
                }
            }
            StreamPosition at = writeHeld(reached);
            // history may have taken it beyond the group's live delivery: it skips live copies of what it has
            StreamPosition last = group.last;
            if (at != null && at.offset() > 0
                    && (last == null || !at.epoch().equals(last.epoch()) || at.offset() > last.offset())) {
                group.caughtUpTo(member, at);
            }
            return joined;
        }

        /** Writes what was held for the member after {@code at}, in order; returns where it then stands. */
        private StreamPosition writeHeld(StreamPosition at) {
            for (Held held : joiner.held) {
                if (held.at() == null) {
                    writeTo(group, member, held.frame(), null); // a presence event
                } else if (held.gap()) {
                    if (at == null || !held.at().epoch().equals(at.epoch()) || held.at().offset() > at.offset()) {
                        writeTo(group, member, held.frame(), held.except());
                        at = held.at();
                    }
                } else if (at == null || held.at().epoch().equals(at.epoch())) {
                    if (at == null || held.at().offset() > at.offset()) {
                        if (at != null && held.at().offset() > at.offset() + 1) {
                            writeTo(group, member, ServerFrames.gap(roomOf(group), before(held.at())), null);
                        }
                        writeTo(group, member, held.frame(), held.except());
                        at = held.at();
                    }
                } else {
                    if (!(at.epoch().isEmpty() && held.at().offset() == 1)) {
                        writeTo(group, member, ServerFrames.gap(roomOf(group), before(held.at())), null); // another epoch, unannounced
                    }
                    writeTo(group, member, held.frame(), held.except());
                    at = held.at();
                }
            }
            joiner.held.clear();
            return at;
        }

        /**
         * The join failed (the backplane did not answer in time). A member that must stay is answered without a
         * position and gets what was held for it; any other is removed, having been written nothing.
         */
        Uni<Joined> abandon(Throwable failure) {
            synchronized (LocalGroups.this) {
                synchronized (group) {
                    if (joiner.released) {
                        return Uni.createFrom().item(joined); // released just before the timeout fired
                    }
                    joiner.released = true;
                    if (group.joining.get(member) == joiner) {
                        group.joined(member);
                        if (stays) {
                            // What follows is what was held: everything the group delivered after the mark
                            answer.send(since == null ? null : false, joiner.mark);
                            writeHeld(joiner.mark);
                        } else {
                            forget(group, member);
                        }
                    }
                }
                if (!stays) {
                    groupsOf.computeIfPresent(member, (c, names) -> without(names, group.name));
                    closeIfEmpty(group);
                }
            }
            return Uni.createFrom().failure(failure);
        }
    }

    /** Whether a member that has reached {@code reached} has everything the group delivered up to {@code mark}. */
    private static boolean covers(StreamPosition reached, StreamPosition mark) {
        return mark == null || (reached != null && reached.epoch().equals(mark.epoch()) && reached.offset() >= mark.offset());
    }

    private static StreamPosition before(StreamPosition at) {
        return new StreamPosition(Math.max(0, at.offset() - 1), at.epoch());
    }

    /** Removes a member from a group; true if it was a member. The last member out closes the subscription. */
    synchronized boolean remove(String name, M member) {
        Group<M> group = groups.get(name);
        if (group == null) {
            return false;
        }
        synchronized (group) {
            if (!group.members.contains(member)) {
                return false;
            }
            forget(group, member);
        }
        groupsOf.computeIfPresent(member, (c, names) -> without(names, name));
        closeIfEmpty(group);
        return true;
    }

    /** Takes the member out of the group's state. Caller holds the group's lock. */
    private void forget(Group<M> group, M member) {
        group.members.remove(member);
        group.joined(member);
        group.caughtUp(member);
        group.showPresence(member);
        if (delivery.translates(member)) {
            group.dialectMembers--;
        }
    }

    /** Closes an unpinned group that has no member left. Caller holds this object's lock. */
    private void closeIfEmpty(Group<M> group) {
        if (group.members.isEmpty() && !group.pinned && groups.remove(group.name, group)) {
            group.subscription.close();
        }
    }

    /** The groups a member is in (an immutable snapshot). */
    Set<String> groupsOf(M member) {
        return groupsOf.getOrDefault(member, Set.of());
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

    private Group<M> create(String name, boolean pinned) {
        Group<M> group = new Group<>(name, pinned, new MembersByLoop<>(delivery::loopOf));
        group.subscription = backplane.subscribe(channelOf(name), frame -> deliver(group, frame));
        if (streams != null) {
            group.subscription.onRelive(() -> relived(group));
        }
        return group;
    }

    /**
     * Takes what arrived on the group's channel: reads its envelope's header (never the JSON), drops (logged and
     * counted) what this replica cannot read, acts on orders to the replicas, and delivers the rest.
     */
    private void deliver(Group<M> group, String text) {
        Envelope message;
        try {
            message = Envelope.decode(text);
        } catch (Envelope.Unreadable unreadable) {
            traffic.rejected(channelOf(group.name), text, unreadable);
            return;
        }
        traffic.received(message);
        if (control != null && control.handled(group.members, message)) {
            return;
        }
        if (!message.kind().forClients()) {
            LOG.warnf("Ignored a %s order on %s, which is not for this channel", message.kind(), channelOf(group.name));
            return;
        }
        if (streams == null) {
            delivery.writeNative(group.members.parts(), ClientFrame.of(message));
            return;
        }
        synchronized (group) {
            if (group.refilling != null) {
                group.refilling.add(message);
                return;
            }
            deliverInOrder(group, message);
        }
    }

    /**
     * Delivers one message of a history stream: at most once per offset, and only right after the previous one; a
     * message that does not follow starts a refill. The caller holds the group's lock, and no refill is under way.
     */
    private void deliverInOrder(Group<M> group, Envelope message) {
        StreamPosition at = message.position();
        if (at != null) {
            StreamPosition last = group.last;
            if (last != null) {
                boolean sameEpoch = at.epoch().equals(last.epoch());
                if (sameEpoch && at.offset() <= last.offset()) {
                    return; // delivered already (a refill overlapping live delivery)
                }
                boolean follows = sameEpoch ? at.offset() == last.offset() + 1
                        : last.epoch().isEmpty() && at.offset() == 1;
                if (!follows) {
                    if (group.refillsInARow < MAX_REFILLS_IN_A_ROW) {
                        group.refillsInARow++;
                        LOG.debugf("%s: %s does not follow %s; reading what lies between from history", group.name, at,
                                last);
                        group.refilling = new ArrayList<>();
                        group.refilling.add(message);
                        refill(group, last);
                        return;
                    }
                    LOG.warnf("%s: history does not close the hole before %s: members are told of a gap", group.name, at);
                    announceGap(group, before(at));
                }
            }
            group.refillsInARow = 0;
            group.last = at;
        }
        writeToMembers(group, ClientFrame.of(message), message.except(), at, false);
    }

    /** Tells every member that what came before {@code resume} (since what it has) cannot be delivered. */
    private void announceGap(Group<M> group, StreamPosition resume) {
        writeToMembers(group, ServerFrames.gap(roomOf(group), resume), null, resume, true);
        group.last = resume;
    }

    /**
     * Writes to every member, except that it is held for joining ones and skipped where history already gave it.
     * {@code at} is the frame's position (a gap's: the one it moves members to), null for presence events;
     * {@code except} is its envelope's Pusher socket that must not receive it (null: none).
     */
    private void writeToMembers(Group<M> group, String frame, String except, StreamPosition at, boolean gap) {
        // members hidden from presence only change who gets presence events: other frames take the fast path
        boolean presenceEvent = at == null && !group.presenceHidden.isEmpty() && ServerFrames.isPresenceEvent(frame);
        if (group.joining.isEmpty() && group.caughtUpTo.isEmpty() && !presenceEvent && group.dialectMembers == 0) {
            delivery.writeNative(group.members.parts(), frame);
            return;
        }
        List<M> recipients = new ArrayList<>(group.members.size());
        for (M member : group.members) {
            if (presenceEvent && group.presenceHidden.contains(member)) {
                continue;
            }
            Joiner joiner = group.joining.get(member);
            if (joiner != null) {
                joiner.held.add(new Held(frame, at, gap, except));
                continue;
            }
            StreamPosition caughtUp = group.caughtUpTo.get(member);
            if (caughtUp != null && at != null && at.epoch().equals(caughtUp.epoch())) {
                if (at.offset() <= caughtUp.offset()) {
                    if (!gap && at.offset() == caughtUp.offset()) {
                        group.caughtUp(member); // live delivery has caught up with what history gave it
                    }
                    continue;
                }
                group.caughtUp(member);
            }
            recipients.add(member);
        }
        if (!recipients.isEmpty()) {
            delivery.write(group.name, recipients, frame, except);
        }
    }

    /** The subscription is live again after the backplane was lost: deliver from history what was published meanwhile. */
    private void relived(Group<M> group) {
        reliveActions.forEach(action -> action.accept(group.name));
        StreamPosition from;
        synchronized (group) {
            group.cohort = new Object();
            if (group.last == null || group.refilling != null) {
                return;
            }
            group.refilling = new ArrayList<>();
            from = group.last;
        }
        refill(group, from);
    }

    /** Reads the group's stream after {@code from} (fresh), then delivers it and what arrived meanwhile, in order. */
    private void refill(Group<M> group, StreamPosition from) {
        streams.readAllFresh(streamNaming.apply(group.name), from)
                .emitOn(onContextOf(Vertx.currentContext())) // the delivery thread, so refill and live writes keep order
                .subscribe().with(read -> refilled(group, from, read), failure -> refillFailed(group, from, failure));
    }

    private void refilled(Group<M> group, StreamPosition from, HistoryRead read) {
        synchronized (group) {
            List<Envelope> arrivedMeanwhile = group.refilling;
            group.refilling = null;
            if (!read.recoverable()) {
                LOG.warnf("History of %s does not reach back to %s: members are told of a gap up to %s", group.name,
                        from, read.from());
                announceGap(group, read.from());
            } else if (!read.messages().isEmpty()) {
                LOG.infof("Refilled %d message(s) of %s that the backplane did not bring", read.messages().size(),
                        group.name);
            }
            replay(group, read.messages());
            replay(group, arrivedMeanwhile);
        }
    }

    private void refillFailed(Group<M> group, StreamPosition from, Throwable failure) {
        synchronized (group) {
            List<Envelope> arrivedMeanwhile = group.refilling;
            group.refilling = null;
            LOG.warnf("Could not read the history of %s after %s: %s", group.name, from, failure.toString());
            StreamPosition firstArrived = null;
            for (Envelope message : arrivedMeanwhile) {
                firstArrived = message.position();
                if (firstArrived != null) {
                    break;
                }
            }
            if (firstArrived != null) {
                announceGap(group, before(firstArrived)); // what lies between cannot be delivered now: say so
            }
            group.refillsInARow = MAX_REFILLS_IN_A_ROW; // no new refill for what arrived meanwhile
            replay(group, arrivedMeanwhile);
        }
    }

    /** Delivers messages in order; should one start a new refill, the rest wait for it. Caller holds the lock. */
    private void replay(Group<M> group, List<Envelope> messages) {
        for (Envelope message : messages) {
            if (group.refilling != null) {
                group.refilling.add(message);
            } else {
                deliverInOrder(group, message);
            }
        }
    }

    private void writeTo(Group<M> group, M member, String frame, String except) {
        delivery.write(group.name, List.of(member), frame, except);
    }

    /** Runs tasks on a Vert.x context (keeping their order), or right away when there is none. */
    private static Executor onContextOf(Context context) {
        return context == null ? Runnable::run : task -> context.runOnContext(ignored -> task.run());
    }

    /** The room a group's gap event names: its name, except for the broadcast group (no room). */
    private String roomOf(Group<M> group) {
        return group.pinned ? null : group.name;
    }
}
