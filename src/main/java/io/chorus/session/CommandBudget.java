package io.chorus.session;

import jakarta.inject.Singleton;

import io.chorus.ChorusConfig;
import io.chorus.hub.Session;

/**
 * One budget per connection, for every command of both endpoints ({@code /ws} and the Pusher {@code /app/{key}}): a
 * token bucket refilled with {@code chorus.limits.publish-rate} units a second, holding at most
 * {@code chorus.limits.publish-burst}. Each command costs what it makes the replica and Redis do
 * ({@link Cost}, documented in docs/protocol.md); a command the budget cannot pay for is refused, and costs the
 * backplane and everyone else nothing.
 */
@Singleton
public class CommandBudget {

    /** What each command costs, in units of the budget. */
    public enum Cost {
        /** {@code publish}: one history append and publish. */
        PUBLISH(1),
        /** {@code direct}: one publish. */
        DIRECT(1),
        /** {@code join} / Pusher {@code pusher:subscribe} of a public or private channel. */
        JOIN(1),
        /** {@code leave} / Pusher {@code pusher:unsubscribe}. */
        LEAVE(1),
        /** Pusher {@code pusher:subscribe} of a presence channel: a presence write and a members read too. */
        PRESENCE_SUBSCRIBE(3),
        /** {@code history}: a read of a stream, up to a page. */
        HISTORY(2),
        /** {@code members}: a presence read. */
        MEMBERS(2),
        /** {@code online}: a read of everyone's presence. */
        ONLINE(5),
        /** {@code refresh}: a signature verification (and a key fetch, with a JWKS URL). */
        REFRESH(10),
        /** A Pusher {@code client-*} event (also bounded by {@code chorus.pusher.client-event-rate}). */
        CLIENT_EVENT(1),
        /** A Pusher {@code pusher:ping}. */
        PING(1);

        private final int units;

        Cost(int units) {
            this.units = units;
        }

        public int units() {
            return units;
        }
    }

    private final int rate;
    private final int burst;

    CommandBudget(ChorusConfig config) {
        this.rate = config.limits().publishRate();
        this.burst = config.limits().publishBurst();
    }

    /** Takes the command's cost from the connection's budget; false (taking nothing) when the budget cannot pay. */
    public boolean tryPay(Session session, Cost cost) {
        return session.budget(rate, burst).tryTake(cost.units());
    }
}
