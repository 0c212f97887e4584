package io.chorus.loadgen;

import java.util.Collection;

/**
 * Where each client's broadcast sequence ended, against the last offset the publisher had acked: the per-client half
 * of "no acked message lost". The {@link BroadcastLedger} counts receivers per offset and each client's silent holes
 * (skips within its own sequence); it cannot tell a client that missed the tail of the run from one that is simply
 * not back yet. So, after the run's quiet period, every worker sorts its clients:
 * <ul>
 * <li><b>caught up</b>: its last offset (received, or jumped to by a {@code gap} event or a {@code recovered:false}
 * welcome) is at or past the last acked one;</li>
 * <li><b>behind while connected</b>: welcomed on an open connection, yet short of the last acked offset — with no
 * silent holes, the offsets after its last are acked messages it never got nor was told of: a loss;</li>
 * <li><b>behind while down</b>: its connection was lost and it has no welcome again yet (still reconnecting): not
 * back, which is not yet a loss;</li>
 * <li><b>never welcomed</b>: it never had a position.</li>
 * </ul>
 * With {@code silentHoles == 0} and {@code behindWhileConnected == 0}, every connected client got every acked
 * message or a gap event for it: "no acked message lost" holds for each client, not just in sum.
 */
final class ClientTails {

    private long caughtUp;
    private long behindWhileConnected;
    private long missingWhileConnected;
    private long behindWhileDown;
    private long missingWhileDown;
    private long neverWelcomed;

    /** One client: its last broadcast offset (-1: none yet), whether it is connected and welcomed now. */
    void add(long lastOffset, boolean connected, long lastAcked) {
        if (lastOffset < 0) {
            neverWelcomed++;
        } else if (lastOffset >= lastAcked) {
            caughtUp++;
        } else if (connected) {
            behindWhileConnected++;
            missingWhileConnected += lastAcked - lastOffset;
        } else {
            behindWhileDown++;
            missingWhileDown += lastAcked - lastOffset;
        }
    }

    long caughtUp() {
        return caughtUp;
    }

    long behindWhileConnected() {
        return behindWhileConnected;
    }

    long missingWhileConnected() {
        return missingWhileConnected;
    }

    long behindWhileDown() {
        return behindWhileDown;
    }

    long missingWhileDown() {
        return missingWhileDown;
    }

    long neverWelcomed() {
        return neverWelcomed;
    }

    /** One line: the six counts, space-separated. */
    String encode() {
        return caughtUp + " " + behindWhileConnected + " " + missingWhileConnected + " " + behindWhileDown + " "
                + missingWhileDown + " " + neverWelcomed;
    }

    /** The workers' tails together. */
    static ClientTails merge(Collection<String> encoded) {
        ClientTails all = new ClientTails();
        for (String line : encoded) {
            String[] parts = line.trim().split(" ");
            if (parts.length != 6) {
                throw new IllegalArgumentException("not a tails line: " + line);
            }
            all.caughtUp += Long.parseLong(parts[0]);
            all.behindWhileConnected += Long.parseLong(parts[1]);
            all.missingWhileConnected += Long.parseLong(parts[2]);
            all.behindWhileDown += Long.parseLong(parts[3]);
            all.missingWhileDown += Long.parseLong(parts[4]);
            all.neverWelcomed += Long.parseLong(parts[5]);
        }
        return all;
    }
}
