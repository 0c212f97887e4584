package io.chorus.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/** A group's members kept by event loop: one part per loop, the same lists until the membership changes. */
class MembersByLoopTest {

    private static final Map<String, String> LOOPS = Map.of("a", "loop-1", "b", "loop-1", "c", "loop-2");

    private final MembersByLoop<String> members = new MembersByLoop<>(LOOPS::get);

    @Test
    void membersAreHandedOverAsOnePartPerLoop() {
        members.addAll(List.of("a", "b", "c", "d")); // d: no loop known
        Map<Object, Set<String>> parts = members.parts().stream()
                .collect(Collectors.toMap(part -> String.valueOf(part.loop()), part -> Set.copyOf(part.members())));
        assertEquals(Map.of("loop-1", Set.of("a", "b"), "loop-2", Set.of("c"), "null", Set.of("d")), parts);
        assertEquals(4, members.size());
    }

    @Test
    void thePartsStayTheSameListsUntilTheMembershipChanges() {
        members.addAll(List.of("a", "c"));
        List<MembersByLoop.Part<String>> before = members.parts();
        assertSame(before, members.parts());
        assertFalse(members.add("a"), "a member already in changes nothing");
        assertSame(before, members.parts());
        members.add("b");
        assertNotSame(before, members.parts());
    }

    @Test
    void theLastMemberOfALoopTakesItsPartAlong() {
        members.addAll(List.of("a", "c"));
        assertTrue(members.remove("c"));
        assertFalse(members.remove("c"));
        assertEquals(List.of("loop-1"), members.parts().stream().map(MembersByLoop.Part::loop).toList());
        assertFalse(members.contains("c"));
        assertTrue(members.contains("a"));
    }

    @Test
    void iteratingSeesTheMembersWhenItBegan() {
        members.addAll(List.of("a", "b", "c"));
        var iterator = members.iterator();
        members.remove("b");
        int seen = 0;
        while (iterator.hasNext()) {
            iterator.next();
            seen++;
        }
        assertEquals(3, seen);
        assertEquals(Set.of("a", "c"), Set.copyOf(members));
    }

    @Test
    void aLoopKeepsItsMembersAsTheyComeAndGoOneByOne() {
        members.addAll(List.of("a", "b", "c"));
        assertTrue(members.remove("a"));
        assertFalse(members.contains("a"));
        assertTrue(members.contains("b"));
        assertFalse(members.remove("a"));
        assertTrue(members.add("a"));
        assertTrue(members.remove("b"));
        assertTrue(members.remove("a"));
        assertFalse(members.contains("b"));
        assertEquals(1, members.size());
        assertEquals(List.of(new MembersByLoop.Part<>("loop-2", List.of("c"))), members.parts());
        assertTrue(members.remove("c"));
        assertTrue(members.isEmpty());
        assertEquals(List.of(), members.parts());
        assertFalse(members.contains("c"));
    }
}
