package io.chorus.hub;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.netty.channel.EventLoop;

/**
 * Writes group frames to sessions through {@link Fanout}: the native text to native sessions, and for each
 * {@link Dialect} its recipients speak, the frame translated once and written to each of them that accepts it. A
 * group keeps its members by their event loop ({@link #loopOf}: the loop of their outlet), so a native frame for all of
 * them is encoded once and handed to each loop as the list the group already holds.
 */
final class ConnectionDelivery implements GroupDelivery<Session> {

    /** Enough for the pages of the recoveries in flight at once; a frame forgotten too early is only encoded again. */
    static final int REPLAYED_KEPT = 1024;

    private final Fanout fanout;
    /** Replayed frames, encoded once for the joiners that recover the same stretch together. */
    private final ReplayedFrames replayed = new ReplayedFrames(REPLAYED_KEPT);

    ConnectionDelivery(Fanout fanout) {
        this.fanout = fanout;
    }

    @Override
    public Object loopOf(Session member) {
        Fanout.Outlet outlet = member.outlet();
        return outlet == null ? null : outlet.loop();
    }

    @Override
    public void replay(String group, Session member, String frame, String except) {
        if (translates(member)) {
            write(group, List.of(member), frame, except);
            return;
        }
        Fanout.Frame encoded = replayed.frameOf(frame);
        try {
            fanout.write(List.of(member), encoded);
        } finally {
            encoded.release();
        }
    }

    @Override
    public void writeNative(List<MembersByLoop.Part<Session>> parts, String frame) {
        Fanout.Frame encoded = new Fanout.Frame(frame);
        try {
            for (MembersByLoop.Part<Session> part : parts) {
                fanout.write((EventLoop) part.loop(), part.members(), encoded);
            }
        } finally {
            encoded.release();
        }
    }

    @Override
    public boolean translates(Session member) {
        return member.dialect() != null;
    }

    @Override
    public void write(String group, Collection<Session> members, String frame, String except) {
        List<Session> natives = new ArrayList<>(members.size());
        Map<Dialect, Translated> translated = null; // most frames have no dialect recipient
        for (Session session : members) {
            Dialect spoken = session.dialect();
            if (spoken == null) {
                natives.add(session);
                continue;
            }
            if (translated == null) {
                translated = new HashMap<>(2);
            }
            Translated in = translated.computeIfAbsent(spoken,
                    dialect -> new Translated(dialect.translate(group, frame, except), new ArrayList<>()));
            if (in.translation() != null && spoken.accepts(session, group, in.translation())) {
                in.recipients().add(session);
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

    private record Translated(Dialect.Translation translation, List<Session> recipients) {
    }
}
