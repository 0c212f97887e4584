package io.chorus.hub;

import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A group's members, kept by the event loop that writes to each of them, so that a frame for the group is handed to
 * each loop once, as one list, with no per-member sorting on the thread that received it ({@link #parts}). Each
 * loop's list is an immutable snapshot, made again only after the membership changed: while the members stay the
 * same, a delivery costs one list per loop, whatever the number of members. Iterating sees a snapshot too.
 * Thread-safe; every method holds this object's monitor briefly and runs no callback under it.
 *
 * @param <M> the member type
 */
final class MembersByLoop<M> extends AbstractSet<M> {

    /** The members of one event loop ({@code loop} null: members with no known loop). */
    record Part<M>(Object loop, List<M> members) {
    }

    private static final Object NO_LOOP = new Object();

    private final Function<M, Object> loopOf;
    private final Map<Object, Set<M>> byLoop = new HashMap<>(4);
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

    @Override
    public synchronized boolean add(M member) {
        if (!byLoop.computeIfAbsent(keyOf(member), key -> new HashSet<>()).add(member)) {
            return false;
        }
        size++;
        parts = null;
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized boolean remove(Object member) {
        Object key = keyOf((M) member);
        Set<M> members = byLoop.get(key);
        if (members == null || !members.remove(member)) {
            return false;
        }
        if (members.isEmpty()) {
            byLoop.remove(key);
        }
        size--;
        parts = null;
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized boolean contains(Object member) {
        Set<M> members = byLoop.get(keyOf((M) member));
        return members != null && members.contains(member);
    }

    @Override
    public synchronized int size() {
        return size;
    }

    /** The members, one immutable list per event loop; the same lists while the membership does not change. */
    synchronized List<Part<M>> parts() {
        if (parts == null) {
            List<Part<M>> made = new ArrayList<>(byLoop.size());
            byLoop.forEach((key, members) -> made.add(new Part<>(key == NO_LOOP ? null : key, List.copyOf(members))));
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
