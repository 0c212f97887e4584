package io.chorus.hub;

import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * A group's members, kept by the event loop that writes to each of them, so that a frame for the group is handed to
 * each loop once, as one list, with no per-member sorting on the thread that received it ({@link #parts}). Each
 * loop's list is an immutable snapshot, made again only after the membership changed: while the members stay the
 * same, a delivery costs one list per loop, whatever the number of members. Iterating sees a snapshot too.
 * Thread-safe; every method holds this object's monitor briefly and runs no callback under it.
 * <p>
 * Most groups are a user's direct-message channel with one member, and every connection has one: the loops and
 * their members are two small arrays (one slot per loop that has members), and a loop's only member is kept as
 * itself, not in a set. A one-member group costs two one-slot arrays, not a map of sets.
 *
 * @param <M> the member type
 */
final class MembersByLoop<M> extends AbstractSet<M> {

    /** The members of one event loop ({@code loop} null: members with no known loop). */
    record Part<M>(Object loop, List<M> members) {
    }

    private static final Object NO_LOOP = new Object();
    private static final Object[] NONE = {};

    /** Two or more members of one loop (one member is kept as itself). */
    private static final class Several<M> extends HashSet<M> {
        Several(M first, M second) {
            super(4);
            add(first);
            add(second);
        }
    }

    private final Function<M, Object> loopOf;
    /** The loops with members; {@code held[i]} holds the members of {@code loops[i]}: the member, or a Several. */
    private Object[] loops = NONE;
    private Object[] held = NONE;
    private int size;
    /** The parts as of the last change; null: to be made again. */
    private List<Part<M>> parts = List.of();

    /** Members kept by {@code loopOf} (null: no loop known), which must not change while a member is here. */
    MembersByLoop(Function<M, Object> loopOf) {
        this.loopOf = loopOf;
    }

    private Object keyOf(M member) {
        Object loop = loopOf.apply(member);
        return loop == null ? NO_LOOP : loop;
    }

    private int slotOf(Object key) {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized boolean add(M member) {
        Object key = keyOf(member);
        int slot = slotOf(key);
        if (slot < 0) {
            loops = Arrays.copyOf(loops, loops.length + 1);
            held = Arrays.copyOf(held, held.length + 1);
            loops[loops.length - 1] = key;
            held[held.length - 1] = member;
        } else if (held[slot] instanceof Several<?> several) {
            if (!((Several<M>) several).add(member)) {
                return false;
            }
        } else if (held[slot].equals(member)) {
            return false;
        } else {
            held[slot] = new Several<>((M) held[slot], member);
        }
        size++;
        parts = null;
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized boolean remove(Object member) {
        int slot = slotOf(keyOf((M) member));
        if (slot < 0) {
            return false;
        }
        if (held[slot] instanceof Several<?> several) {
            if (!several.remove(member)) {
                return false;
            }
            if (several.size() == 1) {
                held[slot] = several.iterator().next();
            }
        } else if (held[slot].equals(member)) {
            loops = without(loops, slot);
            held = without(held, slot);
        } else {
            return false;
        }
        size--;
        parts = null;
        return true;
    }

    private static Object[] without(Object[] array, int slot) {
        if (array.length == 1) {
            return NONE;
        }
        Object[] less = new Object[array.length - 1];
        System.arraycopy(array, 0, less, 0, slot);
        System.arraycopy(array, slot + 1, less, slot, array.length - slot - 1);
        return less;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized boolean contains(Object member) {
        int slot = slotOf(keyOf((M) member));
        if (slot < 0) {
            return false;
        }
        return held[slot] instanceof Several<?> several ? several.contains(member) : held[slot].equals(member);
    }

    @Override
    public synchronized int size() {
        return size;
    }

    /** The members, one immutable list per event loop; the same lists while the membership does not change. */
    @SuppressWarnings("unchecked")
    synchronized List<Part<M>> parts() {
        if (parts == null) {
            List<Part<M>> made = new ArrayList<>(loops.length);
            for (int i = 0; i < loops.length; i++) {
                Object loop = loops[i] == NO_LOOP ? null : loops[i];
                List<M> members = held[i] instanceof Several<?> several ? List.copyOf((Several<M>) several)
                        : List.of((M) held[i]);
                made.add(new Part<>(loop, members));
            }
            parts = List.copyOf(made);
        }
        return parts;
    }

    /** Iterates a snapshot: the members when it began. */
    @Override
    public Iterator<M> iterator() {
        List<Part<M>> now = parts();
        return now.stream().flatMap(part -> part.members().stream()).iterator();
    }
}
