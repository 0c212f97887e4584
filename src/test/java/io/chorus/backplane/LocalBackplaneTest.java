package io.chorus.backplane;

/** The embedded backplane: the replicas of one test share a broker, as replicas in one JVM could. */
class LocalBackplaneTest extends BackplaneContract {

    private final LocalBroker broker = new LocalBroker();

    @Override
    Backplane replica() {
        return new LocalBackplane(broker);
    }
}
