package io.chorus.history;

import io.chorus.backplane.Backplane;
import io.chorus.backplane.LocalBackplane;
import io.chorus.backplane.LocalBroker;

class LocalHistoryTest extends HistoryContract {

    private final LocalBroker broker = new LocalBroker();

    @Override
    History history(int maxLength) {
        return new LocalHistory(new LocalBackplane(broker), maxLength);
    }

    @Override
    Backplane observer() {
        return new LocalBackplane(broker);
    }
}
