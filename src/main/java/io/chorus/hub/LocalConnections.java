package io.chorus.hub;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.chorus.protocol.CloseCodes;

/** The open client sessions of this replica, both endpoints: how many, and which (for the drain and the idle sweep). */
@Singleton
public class LocalConnections {

    private static final Logger LOG = Logger.getLogger(LocalConnections.class);

    private final Set<Session> open = ConcurrentHashMap.newKeySet();
    private final Draining draining;

    LocalConnections(Draining draining) {
        this.draining = draining;
    }

    /**
     * Registers an admitted connection. While the replica drains, a connection whose admission ends now (it was
     * upgraded before the drain began, and so missed the drain's list) is closed with 1001 instead: nothing may stay
     * open into the shutdown.
     */
    public void add(Session session) {
        open.add(session);
        if (draining.isDraining()) {
            open.remove(session);
            session.link().close(Dialect.closeReasonFor(session, CloseCodes.GOING_AWAY)).subscribe().with(ok -> {
            }, failure -> LOG.debugf("Closing %s admitted during the drain failed: %s", session.id(), failure));
        }
    }

    public void remove(Session session) {
        open.remove(session);
    }

    public int count() {
        return open.size();
    }
    /** The open connections, for the drain. */
    public List<Session> snapshot() {
        return List.copyOf(open);
    }
}
