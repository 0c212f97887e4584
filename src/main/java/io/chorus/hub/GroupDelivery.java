package io.chorus.hub;

import java.util.Collection;
import java.util.List;

/**
 * How {@link LocalGroups} writes to its members: the hub decides who gets which frame, in which order; this writes
 * it. Members of type {@code M} are sessions in production ({@link ConnectionDelivery}) and plain recording members in
 * the hub's unit tests.
 */
interface GroupDelivery<M> {

    /**
     * The event loop the member is written on, by which a group keeps its members ({@link MembersByLoop}); null when
     * it has none. It must not change while the member is in a group.
     */
    Object loopOf(M member);

    /**
     * Writes the native frame, as it is, to every member of these parts (none speaks a dialect): each part's members
     * are of one event loop, and are handed to it at once.
     */
    void writeNative(List<MembersByLoop.Part<M>> parts, String frame);

    /**
     * Writes the frame of group {@code group} to these members, each in its own protocol (translated when needed).
     * {@code except} is the envelope's Pusher socket that must not receive it (null: none), for a dialect to heed.
     */
    void write(String group, Collection<M> members, String frame, String except);

    /**
     * Writes a stored frame (from history) to one member catching up. Members recovering the same stretch of a stream
     * get the very same frame objects from one shared read: an implementation may encode each of them once.
     */
    default void replay(String group, M member, String frame, String except) {
        write(group, List.of(member), frame, except);
    }

    /** Whether the member speaks a dialect, so that frames for it must go through {@link #write}. */
    boolean translates(M member);
}
