package io.chorus.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** What every {@link Presence} must do. Each implementation's test says how to get the presence of a replica. */
abstract class PresenceContract {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** The presence of one more replica; replicas made by one test class share one store. */
    abstract Presence replica();

    static String scope() {
        return "room-" + UUID.randomUUID();
    }

    @Test
    void firstConnectionOfAUserMakesItPresentAndLastOneMakesItLeave() {
        Presence presence = replica();
        String room = scope();
        assertTrue(add(presence, room, "c1", "alice"), "first tab: alice joins");
        assertFalse(add(presence, room, "c2", "alice"), "second tab: no second join");
        assertNull(remove(presence, room, "c1"), "one tab left: alice stays");
        assertEquals("alice", remove(presence, room, "c2"), "last tab gone: alice leaves");
    }

    @Test
    void membersListEachUserOnceWithACount() {
        Presence presence = replica();
        String room = scope();
        add(presence, room, "c1", "alice");
        add(presence, room, "c2", "alice");
        add(presence, room, "c3", "bob");
        Members members = presence.members(room, 100).await().atMost(TIMEOUT);
        assertEquals(2, members.count());
        assertEquals(Set.of("alice", "bob"), new HashSet<>(members.users()));
    }

    @Test
    void membersListIsCappedButTheCountIsNot() {
        Presence presence = replica();
        String room = scope();
        for (int i = 0; i < 30; i++) {
            add(presence, room, "c" + i, "user" + i);
        }
        Members members = presence.members(room, 10).await().atMost(TIMEOUT);
        assertEquals(30, members.count());
        assertEquals(10, members.users().size());
    }

    @Test
    void presenceIsSharedByEveryReplica() {
        Presence a = replica();
        Presence b = replica();
        String room = scope();
        assertTrue(add(a, room, "a1", "alice"));
        assertFalse(add(b, room, "b1", "alice"), "alice is already present through replica a");
        assertTrue(add(b, room, "b2", "bob"));
        assertEquals(Set.of("alice", "bob"), new HashSet<>(a.members(room, 10).await().atMost(TIMEOUT).users()));
        assertNull(remove(a, room, "a1"));
        assertEquals("alice", remove(b, room, "b1"));
    }

    @Test
    void scopesAreIndependent() {
        Presence presence = replica();
        String one = scope();
        String two = scope();
        add(presence, one, "c1", "alice");
        assertEquals(0, presence.members(two, 10).await().atMost(TIMEOUT).count());
        assertTrue(add(presence, two, "c1", "alice"), "the same connection joins another scope");
    }

    @Test
    void removingAnUnknownConnectionChangesNothing() {
        Presence presence = replica();
        String room = scope();
        add(presence, room, "c1", "alice");
        assertNull(remove(presence, room, "nope"));
        assertEquals(1, presence.members(room, 10).await().atMost(TIMEOUT).count());
    }

    @Test
    void membersCarryWhatEachUserSaidAboutItself() {
        Presence presence = replica();
        String room = scope();
        presence.add(room, "c1", "alice", "{\"name\":\"Alice\"}").await().atMost(TIMEOUT);
        presence.add(room, "c2", "bob").await().atMost(TIMEOUT);
        Members members = presence.members(room, 10).await().atMost(TIMEOUT);
        assertEquals(java.util.Map.of("alice", "{\"name\":\"Alice\"}"), members.info());
    }

    @Test
    void infoGoesWithTheUsersLastConnection() {
        Presence presence = replica();
        String room = scope();
        presence.add(room, "c1", "alice", "{\"v\":1}").await().atMost(TIMEOUT);
        remove(presence, room, "c1");
        presence.add(room, "c2", "alice").await().atMost(TIMEOUT);
        assertEquals(java.util.Map.of(), presence.members(room, 10).await().atMost(TIMEOUT).info());
    }

    @Test
    void eachChangeSaysHowManyUsersTheScopeHoldsNow() {
        Presence presence = replica();
        String room = scope();
        assertEquals(new Presence.Change("alice", 1), presence.add(room, "c1", "alice").await().atMost(TIMEOUT));
        assertEquals(new Presence.Change(null, 1), presence.add(room, "c2", "alice").await().atMost(TIMEOUT));
        assertEquals(new Presence.Change("bob", 2), presence.add(room, "c3", "bob").await().atMost(TIMEOUT));
        assertEquals(new Presence.Change(null, 2), presence.remove(room, "c1").await().atMost(TIMEOUT));
        assertEquals(new Presence.Change("alice", 1), presence.remove(room, "c2").await().atMost(TIMEOUT));
        assertEquals(new Presence.Change(null, 1), presence.remove(room, "unknown").await().atMost(TIMEOUT));
    }

    @Test
    void emptyScopeHasNoMembers() {
        Members members = replica().members(scope(), 10).await().atMost(TIMEOUT);
        assertEquals(0, members.count());
        assertTrue(members.users().isEmpty());
    }

    static boolean add(Presence presence, String scope, String connection, String user) {
        return presence.add(scope, connection, user).await().atMost(TIMEOUT).user() != null;
    }

    static String remove(Presence presence, String scope, String connection) {
        return presence.remove(scope, connection).await().atMost(TIMEOUT).user();
    }
}
