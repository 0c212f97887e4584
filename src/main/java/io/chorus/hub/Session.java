package io.chorus.hub;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * Chorus's state of one client connection, either endpoint: who it is and what it may do, which protocol it speaks,
 * where its frames go, what it may still spend, when it was last heard from, and the timers that may end it. One
 * object per connection, made at the upgrade (the upgrade checks fill in what they learn) and found again with one
 * lookup (kept by the framework's adapter, {@code session.WebSocketLink}); the lifecycle ({@code session.Sessions})
 * and the hub work on it, and reach the connection through its {@link Link}, never through the framework. Plain
 * fields: most are written once on the connection's event loop before others read them; what another thread reads is
 * volatile, and the two timers change under the session's monitor (no callback runs there).
 */
public final class Session {

    private static final AtomicIntegerFieldUpdater<Session> PENDING = AtomicIntegerFieldUpdater.newUpdater(Session.class,
            "pendingFrames");
    private static final AtomicIntegerFieldUpdater<Session> ADMITTING = AtomicIntegerFieldUpdater.newUpdater(
            Session.class, "admitting");
    private static final AtomicReferenceFieldUpdater<Session, Link> LINK = AtomicReferenceFieldUpdater.newUpdater(
            Session.class, Link.class, "link");

    /** The timers that can end a session. */
    public enum Timer {
        /** {@code chorus.auth.handshake-timeout}: the {@code auth} frame must come before. */
        AUTH_DEADLINE,
        /** The token's expiry. */
        TOKEN_EXPIRY
    }

    /** The inbound bound of the connection's pipeline, told when the endpoint has handled a message. */
    public interface InboundBound {
        void handled();
    }

    // set at the upgrade, before the connection exists
    private Fanout.Outlet outlet;
    private InboundBound inbound;
    private Runnable upgradeRelease;
    private String tokenUser;
    private volatile long tokenExpires;
    private Permissions granted;

    private volatile Link link;
    private volatile String user;
    private volatile Permissions permissions;
    private volatile Dialect dialect;
    private volatile Object endpointState;
    private TokenBucket budget; // made at the first command, on the connection's loop
    private volatile long lastSeen = System.nanoTime();
    private volatile int pendingFrames; // frames sent through sendText not yet written (connections without an outlet)
    private long authDeadline; // vert.x timer ids, 0: none (under this monitor)
    private long expiryTimer;
    // the idle sweep's alone, on the connection's event loop (IdleConnections)
    long lastPing;
    boolean closingIdle;
    private volatile boolean counted; // counted against chorus.limits.max-connections
    private volatile String countedAs; // the user counted against chorus.limits.max-connections-per-user, or null
    private volatile int admitting; // 1 while counted against chorus.limits.max-admitting

    /** A session for a connection being upgraded; its {@link Link} comes when the connection is open. */
    public Session() {
    }

    /** The connection, or null before it is open. */
    public Link link() {
        return link;
    }

    /** Gives the session its connection, unless it has one already; answers the one it has. */
    public Link attach(Link candidate) {
        return LINK.compareAndSet(this, null, candidate) ? candidate : link;
    }

    public String id() {
        return link.id();
    }

    public Fanout.Outlet outlet() {
        return outlet;
    }

    public void outlet(Fanout.Outlet outlet) {
        this.outlet = outlet;
    }

    public InboundBound inbound() {
        return inbound;
    }

    public void inbound(InboundBound inbound) {
        this.inbound = inbound;
    }

    /**
     * Keeps what lets go of the upgrade's state (its headers, a hook on its channel) until {@link #releaseUpgrade};
     * each check that keeps something adds its own, run in the order they were added.
     */
    public void upgradeRelease(Runnable release) {
        Runnable before = upgradeRelease;
        this.upgradeRelease = before == null ? release : () -> {
            before.run();
            release.run();
        };
    }

    /** Lets go of the upgrade request's state (its header map), which nothing reads once the connection is open. */
    public void releaseUpgrade() {
        Runnable release = upgradeRelease;
        upgradeRelease = null;
        if (release != null) {
            release.run();
        }
    }

    /**
     * What a verified token says: its user, expiry (seconds since the epoch, 0: never) and the permissions its grant
     * gives that user (they become the session's when it is admitted).
     */
    public void token(String user, long expires, Permissions granted) {
        this.tokenUser = user;
        this.tokenExpires = expires;
        this.granted = granted;
    }

    /** The user of the verified token, or null (none yet). */
    public String tokenUser() {
        return tokenUser;
    }

    public long tokenExpires() {
        return tokenExpires;
    }

    public void tokenExpires(long expires) {
        this.tokenExpires = expires;
    }

    /** The permissions the token grants, taken once (they become the session's permissions); null: no token. */
    public Permissions takeGranted() {
        Permissions taken = granted;
        granted = null;
        return taken;
    }

    /** The admitted user, or null (not admitted yet, or a Pusher connection). */
    public String user() {
        return user;
    }

    public void user(String user) {
        this.user = user;
    }

    public Permissions permissions() {
        return permissions;
    }

    /** Replaces the permissions; answers the ones before. */
    public Permissions permissions(Permissions permissions) {
        Permissions before = this.permissions;
        this.permissions = permissions;
        return before;
    }

    /** The protocol the connection speaks, when not the native one; null: native. */
    public Dialect dialect() {
        return dialect;
    }

    public void dialect(Dialect dialect) {
        this.dialect = dialect;
    }

    /** The endpoint's own state of the connection (the Pusher endpoint's), or null. */
    public <T> T endpointState(Class<T> type) {
        Object state = endpointState;
        return type.isInstance(state) ? type.cast(state) : null;
    }

    public void endpointState(Object state) {
        this.endpointState = state;
    }

    /** The connection's command budget, made with this rate and burst the first time. */
    public TokenBucket budget(double perSecond, double burst) {
        TokenBucket bucket = budget;
        if (bucket == null) {
            synchronized (this) {
                bucket = budget;
                if (bucket == null) {
                    bucket = new TokenBucket(perSecond, burst);
                    budget = bucket;
                }
            }
        }
        return bucket;
    }

    /** Something arrived from the connection (a frame or a pong). */
    public void seen() {
        lastSeen = System.nanoTime();
    }

    /** When something last arrived from the connection, {@link System#nanoTime()}. */
    public long lastSeen() {
        return lastSeen;
    }

    /** One more frame sent through {@code sendText}; the number now pending. */
    int addPendingFrame() {
        return PENDING.incrementAndGet(this);
    }

    void frameDone() {
        PENDING.decrementAndGet(this);
    }

    /** Arms a timer in place of the one before; answers the one before (0: none), for the caller to cancel. */
    public synchronized long armed(Timer timer, long id) {
        long previous = timer == Timer.AUTH_DEADLINE ? authDeadline : expiryTimer;
        set(timer, id);
        return previous;
    }

    /** Forgets the timer when it is still the one armed; true then (it may fire). */
    public synchronized boolean firing(Timer timer, long id) {
        long armed = timer == Timer.AUTH_DEADLINE ? authDeadline : expiryTimer;
        if (armed != id || id == 0) {
            return false;
        }
        set(timer, 0);
        return true;
    }

    /** Disarms the timer; answers its id (0: none), for the caller to cancel. */
    public synchronized long disarmed(Timer timer) {
        return armed(timer, 0);
    }

    private void set(Timer timer, long id) {
        if (timer == Timer.AUTH_DEADLINE) {
            authDeadline = id;
        } else {
            expiryTimer = id;
        }
    }

    /** Whether the session counts against {@code chorus.limits.max-connections}. */
    public boolean counted() {
        return counted;
    }

    public void counted(boolean counted) {
        this.counted = counted;
    }

    /** The user this session counts against {@code chorus.limits.max-connections-per-user} for, or null. */
    public String countedAs() {
        return countedAs;
    }

    public void countedAs(String user) {
        this.countedAs = user;
    }

    /**
     * Starts counting the session as being admitted ({@code chorus.limits.max-admitting}); false when it already was.
     * Its end may race with its close, on other threads: both go through {@link #admitted}, and only one wins.
     */
    public boolean admitting() {
        return ADMITTING.compareAndSet(this, 0, 1);
    }

    /** Stops counting the session as being admitted; true for the one caller that stopped it. */
    public boolean admitted() {
        return ADMITTING.compareAndSet(this, 1, 0);
    }
}
