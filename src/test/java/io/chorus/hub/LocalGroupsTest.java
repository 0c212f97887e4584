package io.chorus.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.TextNode;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.Envelope;
import io.chorus.backplane.LocalBackplane;
import io.chorus.backplane.LocalBroker;
import io.chorus.backplane.Subscription;
import io.chorus.history.History;
import io.chorus.history.HistoryRead;
import io.chorus.history.LocalHistoryClock;
import io.chorus.history.SharedReads;
import io.chorus.history.StreamName;
import io.chorus.protocol.ServerFrames;
import io.chorus.protocol.StreamPosition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;

/**
 * The hold / catch-up / refill state machine of {@link LocalGroups}, on the in-process backplane and history (real
 * implementations; a read can be held back, and a live copy dropped, to stage the races fault-injection runs found).
 * Members record what they are written, in order; each answer is recorded among the frames, where the client sees it.
 */
class LocalGroupsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String ROOM = "lobby";

    private final LocalBroker broker = new LocalBroker();
    private final Lossy lossy = new Lossy(new LocalBackplane(broker));
    private final AtomicLong clock = new AtomicLong();
    private final Gated history = new Gated(LocalHistoryClock.create(lossy, Duration.ofHours(1), clock));
    private final BackplaneTraffic traffic = new BackplaneTraffic(new SimpleMeterRegistry());
    private final Recording recording = new Recording();
    private final LocalGroups<Member> rooms = new LocalGroups<>(new LocalBackplane(broker), traffic, recording,
            room -> "room:" + room, StreamName::room,
            new SharedReads(history, 200, 1000), Duration.ofSeconds(1));

    @Test
    void concurrentJoinersFromOnePositionEachGetEveryLaterMessageOnceInOrder() {
        Member bystander = join(new Member("x"), null);
        publish(5);
        history.close();
        Member first = new Member("a");
        CompletableFuture<LocalGroups.Joined> firstJoin = start(rooms.add(ROOM, first, position(2), true, first.answers()));
        publish(2); // 6, 7: held for the first joiner; the second begins holding after them
        Member second = new Member("b");
        CompletableFuture<LocalGroups.Joined> secondJoin = start(rooms.add(ROOM, second, position(2), true, second.answers()));
        publish(1); // 8
        history.open(); // both get the one read, sent before 6 and 7 were published
        await(firstJoin);
        await(secondJoin);
        publish(1); // 9

        assertEquals(offsets(1, 9), bystander.offsets());
        for (Member joiner : List.of(first, second)) {
            assertEquals("joined recovered=true", joiner.frames.get(0), joiner.name);
            assertEquals(offsets(3, 9), joiner.offsets(), joiner.name);
        }
        assertEquals(0, count(first.frames, ServerFrames::isGap) + count(second.frames, ServerFrames::isGap));
    }

    @Test
    void aJoinWithoutRecoveryGetsEverythingAfterThePositionItIsAnnounced() {
        Member bystander = join(new Member("x"), null);
        publish(3);
        history.close();
        Member joiner = new Member("a");
        CompletableFuture<LocalGroups.Joined> joining = start(rooms.add(ROOM, joiner, null, true, joiner.answers()));
        publish(2);
        history.open();
        LocalGroups.Joined joined = await(joining);
        publish(1);
        long from = joined.position().offset();
        assertEquals(offsets(from + 1, 6), joiner.offsets());
        assertEquals(offsets(1, 6), bystander.offsets());
    }

    @Test
    void aFailedJoinWritesNothingOfTheRoomAndLeavesTheMemberOut() {
        join(new Member("x"), null);
        publish(2);
        history.close();
        Member joiner = new Member("a");
        CompletableFuture<LocalGroups.Joined> joining = start(rooms.add(ROOM, joiner, position(1), true, joiner.answers()));
        publish(3); // held for it while its read does not come back
        Throwable failure = joining.handle((joined, f) -> f).toCompletableFuture().join();
        assertInstanceOf(TimeoutException.class, failure instanceof java.util.concurrent.CompletionException
                ? failure.getCause() : failure);
        history.open();
        publish(2);
        assertEquals(List.of(), joiner.frames);
        assertEquals(java.util.Set.of(), rooms.groupsOf(joiner));
    }

    @Test
    void aMemberThatStaysAfterAFailedJoinIsAnsweredFirstThenGetsWhatWasHeldInOrder() {
        join(new Member("x"), null);
        publish(2);
        history.close();
        Member stayer = new Member("s");
        CompletableFuture<LocalGroups.Joined> joining = start(rooms.addToStay(ROOM, stayer, position(1),
                Duration.ofMillis(300), stayer.answers()));
        publish(3);
        joining.handle((joined, f) -> f).join();
        history.open();
        publish(1);
        assertEquals("joined recovered=false", stayer.frames.get(0));
        assertEquals("joined recovered=false at 2/" + epoch.epoch(), stayer.answerWithPosition,
                "answered with where what follows starts");
        assertEquals(offsets(3, 6), stayer.offsets());
    }

    @Test
    void aMessageTheBackplaneLostIsReadFromHistoryAndDeliveredInOrder() {
        Member member = join(new Member("m"), null);
        publish(2);
        lossy.dropNext();
        publish(3); // 3 never arrives live; 4 shows the hole
        assertEquals(offsets(1, 5), member.offsets());
        assertEquals(0, count(member.frames, ServerFrames::isGap));
    }

    @Test
    void aNewEpochCompleteFromItsStartIsAnnouncedAsAGapOfTheOldOneThenReplayed() {
        Member member = join(new Member("m"), null);
        StreamPosition old = publish(2);
        clock.addAndGet(Duration.ofHours(2).toNanos()); // the old history expires: the next message starts a new epoch
        lossy.dropNext();
        publish(2);
        List<String> frames = member.frames; // joined, old 1, old 2, gap, new 1, new 2
        assertEquals(6, frames.size(), frames.toString());
        assertEquals(old, ServerFrames.positionOf(frames.get(2)));
        assertTrue(ServerFrames.isGap(frames.get(3)), frames.get(3));
        StreamPosition replayed = ServerFrames.positionOf(frames.get(4));
        assertEquals(1, replayed.offset());
        assertTrue(frames.get(3).contains("\"offset\":0,\"epoch\":\"" + replayed.epoch() + "\""), frames.get(3));
        assertEquals(new StreamPosition(2, replayed.epoch()), ServerFrames.positionOf(frames.get(5)));
    }

    @Test
    void aJoinerFromALostEpochIsToldItDidNotRecoverAndGetsTheNewEpochFromItsStart() {
        join(new Member("x"), null);
        StreamPosition now = publish(3);
        Member joiner = join(new Member("a"), new StreamPosition(40, "lost"));
        assertEquals("joined recovered=false at 0/" + now.epoch(), joiner.answerWithPosition);
        assertEquals(offsets(1, 3), joiner.offsets());
    }

    @Test
    void aJoinerFromBeforeTheStreamExistedRecoversItsFirstMessages() {
        Member early = join(new Member("x"), null);
        Member joiner = join(new Member("a"), new StreamPosition(0, ""));
        publish(2);
        assertEquals("joined recovered=true", joiner.frames.get(0));
        assertEquals(offsets(1, 2), joiner.offsets());
        assertEquals(offsets(1, 2), early.offsets());
    }

    @Test
    void whatThisReplicaCannotReadIsDroppedAndCountedAndDeliveryGoesOn() {
        Member member = join(new Member("m"), null);
        publish(1);
        String frame = ServerFrames.message("x-1", "r9", "u", 1L, ROOM, null, TextNode.valueOf("newer"));
        lossy.publish("room:" + ROOM, "#2|2:" + epoch.epoch() + "|r|r9|1|\n" + frame).await().atMost(WAIT);
        lossy.publish("room:" + ROOM, frame).await().atMost(WAIT); // a bare client frame: no envelope
        publish(1);
        assertEquals(offsets(1, 2), member.offsets());
        assertEquals(2, traffic.rejectedCount());
    }

    @Test
    void aLiveMessageIsHandedToEachEventLoopOnceWithThatLoopsMembers() {
        Member a = join(new Member("a", "loop-1"), null);
        Member b = join(new Member("b", "loop-1"), null);
        Member c = join(new Member("c", "loop-2"), null);
        recording.handOvers.clear();
        publish(1);
        assertEquals(1, recording.handOvers.size(), "one hand-over for the message");
        List<MembersByLoop.Part<Member>> parts = recording.handOvers.get(0);
        assertEquals(java.util.Set.of("loop-1", "loop-2"),
                parts.stream().map(MembersByLoop.Part::loop).collect(java.util.stream.Collectors.toSet()));
        assertEquals(3, parts.stream().mapToInt(part -> part.members().size()).sum());
        for (Member member : List.of(a, b, c)) {
            assertEquals(offsets(1, 1), member.offsets(), member.name);
        }
    }

    @Test
    void aMemberThatLeavesWhileCatchingUpIsAnsweredAndWrittenNothingMore() {
        Member bystander = join(new Member("x"), null);
        publish(2);
        history.close();
        Member leaver = new Member("l");
        CompletableFuture<LocalGroups.Joined> joining = start(rooms.add(ROOM, leaver, position(1), true, leaver.answers()));
        publish(2); // held for it
        rooms.remove(ROOM, leaver);
        history.open();
        await(joining);
        publish(1);
        assertEquals(List.of("joined recovered=true"), leaver.frames);
        assertEquals(java.util.Set.of(), rooms.groupsOf(leaver));
        assertEquals(offsets(1, 5), bystander.offsets());
    }

    @Test
    void aJoinerHoldingWhileTheBackplaneLosesAMessageGetsEveryMessageOnceInOrder() {
        Member bystander = join(new Member("x"), null);
        publish(2);
        history.close();
        Member joiner = new Member("a");
        CompletableFuture<LocalGroups.Joined> joining = start(rooms.add(ROOM, joiner, position(1), true, joiner.answers()));
        lossy.dropNext();
        publish(3); // 3 is lost live; 4 starts a refill, which waits for history like the join's read
        history.open();
        await(joining);
        publish(1);
        assertEquals(offsets(1, 6), bystander.offsets());
        assertEquals(offsets(2, 6), joiner.offsets());
        assertEquals(0, count(joiner.frames, ServerFrames::isGap) + count(bystander.frames, ServerFrames::isGap));
    }

    @Test
    void aMemberHiddenFromPresenceGetsMessagesOnTheFastPathButNoPresenceEvents() {
        Member hidden = new Member("h", "loop-1");
        rooms.add(ROOM, hidden, null, false, hidden.answers()).await().atMost(WAIT);
        Member seer = join(new Member("s", "loop-2"), null);
        recording.handOvers.clear();
        publish(1);
        assertEquals(1, recording.handOvers.size(), "a message is handed to each loop as the group holds it");
        String joined = ServerFrames.memberJoined(ROOM, "guest", 1L);
        lossy.publish("room:" + ROOM, Envelope.of(Envelope.Kind.PRESENCE, "r", 1L, null, joined).encode())
                .await().atMost(WAIT);
        assertEquals(List.of(joined), seer.frames.stream().filter(ServerFrames::isPresenceEvent).toList());
        assertEquals(0, count(hidden.frames, ServerFrames::isPresenceEvent));
        assertEquals(offsets(1, 1), hidden.offsets());
    }

    @Test
    void aPushedMembersListReachesOnlyTheMembersThatSeePresence() {
        Member hidden = new Member("h", "loop-1");
        rooms.add(ROOM, hidden, null, false, hidden.answers()).await().atMost(WAIT);
        assertFalse(rooms.anyMemberSeesPresence(ROOM), "nobody here would read it: no members read from Redis");
        Member seer = join(new Member("s", "loop-2"), null);
        assertTrue(rooms.anyMemberSeesPresence(ROOM));

        String members = ServerFrames.members(ROOM, List.of("s", "t"), null);
        rooms.writePresence(ROOM, members);
        assertEquals(List.of(members), seer.frames.stream().filter(ServerFrames::isPresenceEvent).toList());
        assertEquals(0, count(hidden.frames, ServerFrames::isPresenceEvent));
        rooms.writePresence("a-room-nobody-is-in", members); // nothing to write to: nothing happens
    }

    // --- the stage

    private Member join(Member member, StreamPosition since) {
        rooms.add(ROOM, member, since, true, member.answers()).await().atMost(WAIT);
        return member;
    }

    private StreamPosition epoch;

    /** Subscribes at once, as the endpoint does: the join's reads are sent now. */
    private static CompletableFuture<LocalGroups.Joined> start(Uni<LocalGroups.Joined> join) {
        return join.subscribeAsCompletionStage();
    }

    private static LocalGroups.Joined await(CompletableFuture<LocalGroups.Joined> join) {
        try {
            return join.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Publishes {@code count} messages to the room; returns the last one's position. */
    private StreamPosition publish(int count) {
        StreamPosition last = null;
        for (int i = 0; i < count; i++) {
            String frame = ServerFrames.message(UUID.randomUUID().toString(), "r", "u", 1L, ROOM, null,
                    TextNode.valueOf("m"));
            last = history.publish(StreamName.room(ROOM), "room:" + ROOM, Envelope.of(Envelope.Kind.ROOM, "r", 1L, null, frame))
                    .await().atMost(WAIT);
        }
        epoch = last;
        return last;
    }

    private StreamPosition position(long offset) {
        return new StreamPosition(offset, epoch.epoch());
    }

    private static List<Long> offsets(long from, long to) {
        List<Long> offsets = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            offsets.add(i);
        }
        return offsets;
    }

    private static long count(List<String> frames, Predicate<String> which) {
        return frames.stream().filter(which).count();
    }

    /** A member that records every frame written to it, and its answers among them. */
    static final class Member {
        final String name;
        final Object loop;
        final List<String> frames = new CopyOnWriteArrayList<>();
        volatile String answerWithPosition;

        Member(String name) {
            this(name, null);
        }

        Member(String name, Object loop) {
            this.name = name;
            this.loop = loop;
        }

        JoinReply answers() {
            return (recovered, position) -> {
                frames.add("joined" + (recovered == null ? "" : " recovered=" + recovered));
                answerWithPosition = "joined" + (recovered == null ? "" : " recovered=" + recovered)
                        + (position == null ? "" : " at " + position.offset() + "/" + position.epoch());
            };
        }

        List<Long> offsets() {
            return frames.stream().map(ServerFrames::positionOf).filter(java.util.Objects::nonNull)
                    .map(StreamPosition::offset).toList();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Writes by recording, and keeps each native hand-over: the parts, one per event loop. */
    private static final class Recording implements GroupDelivery<Member> {
        final List<List<MembersByLoop.Part<Member>>> handOvers = new CopyOnWriteArrayList<>();

        @Override
        public Object loopOf(Member member) {
            return member.loop;
        }

        @Override
        public void writeNative(List<MembersByLoop.Part<Member>> parts, String frame) {
            handOvers.add(parts);
            parts.forEach(part -> write(ROOM, part.members(), frame, null));
        }

        @Override
        public void write(String group, Collection<Member> members, String frame, String except) {
            members.forEach(member -> member.frames.add(frame));
        }

        @Override
        public boolean translates(Member member) {
            return false;
        }
    }

    /** A history whose reads can be held back: sent (and answered by the store) at once, but handed over later. */
    private static final class Gated implements History {
        private final History store;
        private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

        Gated(History store) {
            this.store = store;
        }

        void close() {
            gate = new CompletableFuture<>();
        }

        void open() {
            gate.complete(null);
        }

        @Override
        public Uni<StreamPosition> publish(StreamName stream, String channel, Envelope message) {
            return store.publish(stream, channel, message);
        }

        @Override
        public Uni<HistoryRead> readAfter(StreamName stream, StreamPosition seen, int limit) {
            HistoryRead read = store.readAfter(stream, seen, limit).await().atMost(WAIT);
            CompletableFuture<Void> handedOver = gate;
            return Uni.createFrom().completionStage(handedOver).replaceWith(read);
        }

        @Override
        public Uni<StreamPosition> top(StreamName stream) {
            StreamPosition top = store.top(stream).await().atMost(WAIT);
            return Uni.createFrom().completionStage(gate).replaceWith(top);
        }
    }

    /** The in-process backplane, except that it can lose the next message published, as Redis pub/sub may. */
    private static final class Lossy implements Backplane {
        private final Backplane backplane;
        private volatile boolean dropNext;

        Lossy(Backplane backplane) {
            this.backplane = backplane;
        }

        void dropNext() {
            dropNext = true;
        }

        @Override
        public String description() {
            return "lossy " + backplane.description();
        }

        @Override
        public Uni<Void> publish(String channel, String message) {
            if (dropNext) {
                dropNext = false;
                return Uni.createFrom().voidItem();
            }
            return backplane.publish(channel, message);
        }

        @Override
        public Subscription subscribe(String channel, java.util.function.Consumer<String> consumer) {
            return backplane.subscribe(channel, consumer);
        }
    }
}
