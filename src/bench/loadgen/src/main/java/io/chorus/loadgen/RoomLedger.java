package io.chorus.loadgen;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The rooms phase's ledger, one per worker: how many of the worker's clients are members of each room (a {@code joined}
 * answer each), how many received each room message (by the publishers' sequence, from the message's probe), and what
 * went wrong: a duplicate or a silent hole in one client's room offsets, a message of a room the client is not in. The
 * coordinator merges the workers' ledgers ({@link #merge}) and compares every acked message's receivers with its room's
 * members ({@link #lostOf}): each member must get each message of its room exactly once.
 * <p>
 * Recording is safe from any thread (the clients' event loops).
 */
final class RoomLedger {

    private final AtomicIntegerArray members;
    /** Per message: {@code received(sequence + 1)}, since the broadcast ledger counts from offset 1. */
    private final BroadcastLedger messages = new BroadcastLedger();
    private final LongAdder misrouted = new LongAdder();

    RoomLedger(int rooms) {
        this.members = new AtomicIntegerArray(rooms);
    }

    /** A client of this worker got {@code joined} for {@code room}. */
    void joined(int room) {
        members.incrementAndGet(room);
    }

    /** A member received message {@code sequence} of its room (the first time). */
    void received(long sequence) {
        messages.received(sequence + 1);
    }

    /** A member received a room offset at or below one it had already. */
    void duplicate() {
        messages.duplicate();
    }

    /** A member's room offsets skipped {@code missing} without a gap event. */
    void hole(long missing) {
        messages.hole(missing);
    }

    /** A {@code gap} event for a room: {@code missing} messages will not come, and the client was told so. */
    void declaredGap(long missing) {
        messages.declaredGap(missing);
    }

    /** A client received a message of a room it is not in. */
    void misrouted() {
        misrouted.increment();
    }

    /** One line: {@code misrouted room:members,… <the messages' BroadcastLedger line>}. */
    String encode() {
        StringBuilder line = new StringBuilder().append(misrouted.sum()).append(' ');
        boolean first = true;
        for (int room = 0; room < members.length(); room++) {
            int count = members.get(room);
            if (count > 0) {
                line.append(first ? "" : ",").append(room).append(':').append(count);
                first = false;
            }
        }
        return line.append(first ? "-" : "").append(' ').append(messages.encode()).toString();
    }

    /** The workers' ledgers together: members by room, receivers by message sequence (+1), and what went wrong. */
    record Merged(TreeMap<Integer, Long> membersByRoom, long misrouted, BroadcastLedger.Merged messages) {

        long members() {
            return membersByRoom.values().stream().mapToLong(Long::longValue).sum();
        }

        /** How many clients received message {@code sequence}. */
        long receivers(long sequence) {
            return messages.receivedByOffset().getOrDefault(sequence + 1, 0L);
        }
    }

    static Merged merge(Collection<String> encoded) {
        TreeMap<Integer, Long> members = new TreeMap<>();
        long misrouted = 0;
        java.util.List<String> messages = new java.util.ArrayList<>();
        for (String line : encoded) {
            String[] parts = line.trim().split(" ", 3);
            if (parts.length != 3) {
                throw new IllegalArgumentException("not a room ledger line: " + line);
            }
            misrouted += Long.parseLong(parts[0]);
            if (!parts[1].equals("-")) {
                for (String entry : parts[1].split(",")) {
                    int colon = entry.indexOf(':');
                    members.merge(Integer.parseInt(entry.substring(0, colon)),
                            Long.parseLong(entry.substring(colon + 1)), Long::sum);
                }
            }
            messages.add(parts[2]);
        }
        return new Merged(members, misrouted, BroadcastLedger.merge(messages));
    }

    /**
     * Per acked message (by sequence), how many members of its room did not receive it, for the messages any member
     * missed. Every member joined before the first room message was published, so each must receive every acked
     * message of its room.
     */
    static Map<Long, Long> lostOf(Merged merged, Collection<Long> ackedSequences, RoomPlan plan) {
        Map<Long, Long> lost = new TreeMap<>();
        for (long sequence : ackedSequences) {
            long members = merged.membersByRoom().getOrDefault(plan.roomOfMessage(sequence), 0L);
            long missing = members - merged.receivers(sequence);
            if (missing > 0) {
                lost.put(sequence, missing);
            }
        }
        return lost;
    }

    /** Deliveries beyond a room's members (a message counted more often than its room has members), in total. */
    static long surplusOf(Merged merged, Collection<Long> sequences, RoomPlan plan) {
        long surplus = 0;
        for (long sequence : sequences) {
            long members = merged.membersByRoom().getOrDefault(plan.roomOfMessage(sequence), 0L);
            surplus += Math.max(0, merged.receivers(sequence) - members);
        }
        return surplus;
    }
}
