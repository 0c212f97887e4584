package io.chorus.loadgen;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;

import org.HdrHistogram.Histogram;

/**
 * An HdrHistogram as one line of text (its compressed encoding in Base64), so a worker process can hand its latencies
 * to the coordinator, which adds them up: merging encoded histograms loses nothing, unlike merging percentiles.
 */
final class HistogramText {

    private HistogramText() {
    }

    static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    static Histogram decode(String text) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(text)), 0);
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an encoded histogram: " + e.getMessage(), e);
        }
    }

    /** Adds {@code text}'s histogram into {@code into}. */
    static void addInto(Histogram into, String text) {
        into.add(decode(text));
    }
}
