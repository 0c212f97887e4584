package io.chorus.loadgen;

import java.util.BitSet;
import java.util.Collection;

/**
 * Exactly-once accounting: which (publisher, sequence) pairs each receiver got, so a run can say how many messages
 * were lost, duplicated, delivered out of order or delivered to a connection that should not have had them.
 * <p>
 * Each publisher publishes to one group (a room, or everyone); each receiver belongs to at most one group and must get
 * every message published to its group exactly once, and nothing else. Per receiver and per publisher of its group, a
 * {@link BitSet} holds the sequence numbers seen: memory is one bit per expected delivery.
 * <p>
 * An {@link Inbox} is not thread-safe: it is used only from the event loop its connection lives on.
 */
final class DeliveryLedger {

    /** Group of the receivers that are in no group (they expect nothing). */
    static final int NO_GROUP = -1;

    private final int[] groupOfPublisher;
    private final int[] slotOfPublisher;
    private final int[] publishersInGroup;
    private final BitSet[] rejected;

    /** @param groupOfPublisher the group each publisher (by index) publishes to, groups numbered from 0 */
    DeliveryLedger(int[] groupOfPublisher) {
        this.groupOfPublisher = groupOfPublisher.clone();
        int groups = 0;
        for (int group : groupOfPublisher) {
            if (group < 0) {
                throw new IllegalArgumentException("a publisher needs a group: " + group);
            }
            groups = Math.max(groups, group + 1);
        }
        this.publishersInGroup = new int[groups];
        this.rejected = new BitSet[groupOfPublisher.length];
        for (int p = 0; p < rejected.length; p++) {
            rejected[p] = new BitSet();
        }
        this.slotOfPublisher = new int[groupOfPublisher.length];
        for (int p = 0; p < groupOfPublisher.length; p++) {
            slotOfPublisher[p] = publishersInGroup[groupOfPublisher[p]]++;
        }
    }

    int publishers() {
        return groupOfPublisher.length;
    }

    int groupOf(int publisher) {
        return groupOfPublisher[publisher];
    }

    /**
     * Records that the server refused a publish (it answered {@code error}, e.g. {@code backplane_unavailable}): the
     * message went nowhere, so nobody is expected to receive it. Safe from any thread.
     */
    void reject(int publisher, long sequence) {
        if (publisher >= 0 && publisher < rejected.length && sequence >= 0 && sequence <= Integer.MAX_VALUE) {
            synchronized (rejected[publisher]) {
                rejected[publisher].set((int) sequence);
            }
        }
    }

    /** How many publishes the server refused. */
    long rejectedCount() {
        long count = 0;
        for (BitSet bits : rejected) {
            synchronized (bits) {
                count += bits.cardinality();
            }
        }
        return count;
    }

    long rejectedCountOf(int publisher) {
        synchronized (rejected[publisher]) {
            return rejected[publisher].cardinality();
        }
    }

    private BitSet rejectedOf(int publisher) {
        synchronized (rejected[publisher]) {
            return (BitSet) rejected[publisher].clone();
        }
    }

    /** A new receiver's inbox, for a receiver in {@code group} (or {@link #NO_GROUP}). */
    Inbox inbox(int group) {
        return new Inbox(group, group == NO_GROUP || group >= publishersInGroup.length ? 0 : publishersInGroup[group]);
    }

    /** What happened to one delivery. */
    enum Outcome {
        /** First time this receiver sees this message. */
        FIRST,
        /** Seen before by this receiver. */
        DUPLICATE,
        /** Not meant for this receiver (another group's message, or an unknown publisher). */
        MISROUTED
    }

    /** One receiver's record of what it got. */
    final class Inbox {
        private final int group;
        private final BitSet[] seen;
        private final long[] highest;
        private long received;
        private long duplicates;
        private long misrouted;
        private long outOfOrder;

        private Inbox(int group, int slots) {
            this.group = group;
            this.seen = new BitSet[slots];
            this.highest = new long[slots];
            java.util.Arrays.fill(highest, -1);
        }

        Outcome accept(int publisher, long sequence) {
            received++;
            if (publisher < 0 || publisher >= groupOfPublisher.length || groupOfPublisher[publisher] != group
                    || sequence < 0 || sequence > Integer.MAX_VALUE) {
                misrouted++;
                return Outcome.MISROUTED;
            }
            int slot = slotOfPublisher[publisher];
            BitSet bits = seen[slot];
            if (bits == null) {
                bits = seen[slot] = new BitSet();
            }
            int seq = (int) sequence;
            if (bits.get(seq)) {
                duplicates++;
                return Outcome.DUPLICATE;
            }
            bits.set(seq);
            if (seq < highest[slot]) {
                outOfOrder++;
            } else {
                highest[slot] = seq;
            }
            return Outcome.FIRST;
        }

        int group() {
            return group;
        }

        long received() {
            return received;
        }

        long distinct() {
            long distinct = 0;
            for (BitSet bits : seen) {
                distinct += bits == null ? 0 : bits.cardinality();
            }
            return distinct;
        }

        /** Messages published to this receiver's group ({@code sent} per publisher) that it never got. */
        long lost(long[] sent) {
            long lost = 0;
            for (int p = 0; p < groupOfPublisher.length; p++) {
                if (groupOfPublisher[p] != group) {
                    continue;
                }
                BitSet bits = seen[slotOfPublisher[p]];
                int upTo = (int) Math.min(sent[p], Integer.MAX_VALUE);
                BitSet missing = new BitSet();
                missing.set(0, upTo);
                if (bits != null) {
                    missing.andNot(bits);
                }
                missing.andNot(rejectedOf(p));
                lost += missing.cardinality();
            }
            return lost;
        }

        /** Messages this receiver should get, given what each publisher sent (less what the server refused). */
        long expected(long[] sent) {
            long expected = 0;
            for (int p = 0; p < groupOfPublisher.length; p++) {
                if (groupOfPublisher[p] == group) {
                    BitSet refused = rejectedOf(p);
                    expected += sent[p] - refused.get(0, (int) Math.min(sent[p], Integer.MAX_VALUE)).cardinality();
                }
            }
            return expected;
        }
    }

    /** The run's totals over all receivers. */
    record Totals(long expected, long received, long distinct, long lost, long duplicates, long misrouted,
            long outOfOrder, int receiversMissingSome) {
    }

    Totals totals(Collection<Inbox> inboxes, long[] sent) {
        long expected = 0, received = 0, distinct = 0, lost = 0, duplicates = 0, misrouted = 0, outOfOrder = 0;
        int missing = 0;
        for (Inbox inbox : inboxes) {
            long inboxLost = inbox.lost(sent);
            expected += inbox.expected(sent);
            received += inbox.received;
            distinct += inbox.distinct();
            lost += inboxLost;
            duplicates += inbox.duplicates;
            misrouted += inbox.misrouted;
            outOfOrder += inbox.outOfOrder;
            if (inboxLost > 0) {
                missing++;
            }
        }
        return new Totals(expected, received, distinct, lost, duplicates, misrouted, outOfOrder, missing);
    }
}
