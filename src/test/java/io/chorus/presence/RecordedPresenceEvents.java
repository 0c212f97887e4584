package io.chorus.presence;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A presence listener that records what it hears: the users that joined and those that left, in order. */
final class RecordedPresenceEvents implements PresenceListener {

    final List<String> joined = new CopyOnWriteArrayList<>();
    final List<String> left = new CopyOnWriteArrayList<>();

    @Override
    public void joined(String scope, String user, long users) {
        joined.add(user);
    }

    @Override
    public void left(String scope, String user, long users) {
        left.add(user);
    }
}
