package io.chorus.hub;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

import io.quarkus.websockets.next.WebSocketConnection;

/**
 * Writes group frames to WebSocket connections through {@link Fanout}: the native text to native connections, and
 * for each {@link Dialect} its recipients speak, the frame translated once and written to each of them that accepts
 * it. Each audience is handed to Fanout in one batched write.
 */
final class ConnectionDelivery implements GroupDelivery<WebSocketConnection> {

    private final Fanout fanout;
    /**
     * Stored frames being replayed, each encoded once: joiners recovering the same stretch share one read, so the
     * same strings come by again. Weak: an entry goes when the read that holds its string is done with.
     */
    private final Map<String, Fanout.Frame> replayed = Collections.synchronizedMap(new WeakHashMap<>());

    ConnectionDelivery(Fanout fanout) {
        this.fanout = fanout;
    }

    @Override
    public void replay(String group, WebSocketConnection member, String frame) {
        if (translates(member)) {
            write(group, List.of(member), frame);
            return;
        }
        fanout.write(List.of(member), replayed.computeIfAbsent(frame, Fanout.Frame::new));
    }

    @Override
    public void writeNative(Collection<WebSocketConnection> members, String frame) {
        fanout.write(members, frame);
    }

    @Override
    public boolean translates(WebSocketConnection member) {
        return Session.of(member).dialect() != null;
    }

    @Override
    public void write(String group, Collection<WebSocketConnection> members, String frame) {
        List<WebSocketConnection> natives = new ArrayList<>(members.size());
        Map<Dialect, Translated> translated = null; // most frames have no dialect recipient
        for (WebSocketConnection connection : members) {
            Dialect spoken = Session.of(connection).dialect();
            if (spoken == null) {
                natives.add(connection);
                continue;
            }
            if (translated == null) {
                translated = new HashMap<>(2);
            }
            Translated in = translated.computeIfAbsent(spoken,
                    dialect -> new Translated(dialect.translate(group, frame), new ArrayList<>()));
            if (in.translation() != null && spoken.accepts(connection, group, in.translation())) {
                in.recipients().add(connection);
            }
        }
        if (!natives.isEmpty()) {
            fanout.write(natives, frame);
        }
        if (translated != null) {
            for (Translated in : translated.values()) {
                if (!in.recipients().isEmpty()) {
                    fanout.write(in.recipients(), in.translation().text());
                }
            }
        }
    }

    private record Translated(Dialect.Translation translation, List<WebSocketConnection> recipients) {
    }
}
