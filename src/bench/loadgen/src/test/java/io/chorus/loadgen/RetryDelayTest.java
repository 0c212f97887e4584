package io.chorus.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RetryDelayTest {

    @Test
    void fullJitterDoublesItsCeilingUpToTheMaximum() {
        RetryDelay delay = RetryDelay.CLIENT;
        assertEquals(499, delay.millis(0, 0, bound -> bound - 1), "attempt 0: below 500 ms");
        assertEquals(999, delay.millis(1, 0, bound -> bound - 1));
        assertEquals(9_999, delay.millis(10, 0, bound -> bound - 1), "capped at 10 s");
        assertEquals(0, delay.millis(3, 0, bound -> 0));
    }

    @Test
    void retryAfterComesFirstAndTheJitterOnTopOfIt() {
        assertEquals(1_000, RetryDelay.CLIENT.millis(0, 1, bound -> 0), "never earlier than the server asked");
        assertEquals(1_499, RetryDelay.CLIENT.millis(0, 1, bound -> bound - 1));
        assertEquals(2_000 + 1_999, RetryDelay.CLIENT.millis(2, 2, bound -> bound - 1));
    }

    @Test
    void retryAfterIsReadInSecondsAndAnythingElseIsNoAdvice() {
        assertEquals(1, RetryDelay.retryAfterSeconds("1"));
        assertEquals(7, RetryDelay.retryAfterSeconds(" 7 "));
        assertEquals(0, RetryDelay.retryAfterSeconds(null));
        assertEquals(0, RetryDelay.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT"));
        assertEquals(0, RetryDelay.retryAfterSeconds("-3"));
    }
}
