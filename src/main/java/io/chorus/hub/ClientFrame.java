package io.chorus.hub;

import java.util.ArrayList;
import java.util.List;

import io.chorus.backplane.Envelope;
import io.chorus.protocol.ServerFrames;
import io.chorus.protocol.StreamPosition;

/**
 * The frame a client receives for a backplane message: the envelope's frame, verbatim, with the message's stream
 * position written in right after its type when it has one (docs/backplane.md). Made once per message and replica
 * on live delivery; every recipient gets the same text.
 */
public final class ClientFrame {

    private ClientFrame() {
    }

    public static String of(Envelope message) {
        StreamPosition at = message.position();
        return at == null ? message.frame() : ServerFrames.withPosition(message.frame(), at.offset(), at.epoch());
    }

    /** The client frames of messages read from history, in order. */
    public static List<String> of(List<Envelope> messages) {
        List<String> frames = new ArrayList<>(messages.size());
        for (Envelope message : messages) {
            frames.add(of(message));
        }
        return frames;
    }
}
