package io.chorus.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/** Replayed frames are encoded once while they are replayed, and the server keeps a bounded few of them. */
class ReplayedFramesTest {

    @Test
    void aFrameReplayedAgainIsTheOneEncodedBefore() {
        ReplayedFrames frames = new ReplayedFrames(10);
        Fanout.Frame first = frames.frameOf("{\"type\":\"message\",\"n\":1}");

        assertSame(first, frames.frameOf(new String("{\"type\":\"message\",\"n\":1}")));
    }

    @Test
    void replayingMoreFramesThanTheCapacityKeepsOnlyTheMostRecent() {
        ReplayedFrames frames = new ReplayedFrames(100);
        for (int i = 0; i < 10_000; i++) {
            frames.frameOf("{\"type\":\"message\",\"n\":" + i + "}");
        }

        assertEquals(100, frames.size());
        Fanout.Frame recent = frames.frameOf("{\"type\":\"message\",\"n\":9999}");
        assertSame(recent, frames.frameOf("{\"type\":\"message\",\"n\":9999}"));
        assertEquals(100, frames.size(), "a kept frame was found, not added");
    }

    @Test
    void aForgottenFrameGivesItsBytesBackOnceItsWritesAreDone() {
        ReplayedFrames frames = new ReplayedFrames(1);
        Fanout.Frame replaying = frames.frameOf("{\"n\":1}");
        ByteBuf wire = replaying.wire(PooledByteBufAllocator.DEFAULT);

        frames.frameOf("{\"n\":2}").release(); // pushes the first one out while it is still being replayed
        assertEquals(1, wire.refCnt(), "the replay in progress still holds it");
        replaying.release();
        assertEquals(0, wire.refCnt());
    }

    @Test
    void theLeastRecentlyReplayedFrameIsForgottenFirst() {
        ReplayedFrames frames = new ReplayedFrames(2);
        Fanout.Frame a = frames.frameOf("a");
        Fanout.Frame b = frames.frameOf("b");
        frames.frameOf("a"); // a is used again: b is now the least recent
        frames.frameOf("c");

        assertSame(a, frames.frameOf("a"));
        assertEquals(2, frames.size());
        assertNotSame(b, frames.frameOf("b"), "b was forgotten, and is encoded anew");
    }
}
