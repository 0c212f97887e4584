package io.chorus.backplane;

/** The embedded backplane: every replica in one JVM shares one instance. */
class LocalBackplaneTest extends BackplaneContract {

    private final LocalBackplane shared = new LocalBackplane();

    @Override
    Backplane replica() {
        return shared;
    }
}
