package io.chorus.hub;

import java.util.Collection;

/**
 * How {@link LocalGroups} writes to its members: the hub decides who gets which frame, in which order; this writes
 * it. Members of type {@code M} are connections in production ({@link ConnectionDelivery}) and plain recording
 * members in the hub's unit tests.
 */
interface GroupDelivery<M> {

    /** Writes the native frame, as it is, to every one of these members (none speaks a dialect). */
    void writeNative(Collection<M> members, String frame);

    /** Writes the frame of group {@code group} to these members, each in its own protocol (translated when needed). */
    void write(String group, Collection<M> members, String frame);

    /** Whether the member speaks a dialect, so that frames for it must go through {@link #write}. */
    boolean translates(M member);
}
