package io.chorus.protocol;

/** The size on the wire of a text frame's payload: its UTF-8 length, counted without encoding it. */
public final class FrameSize {

    private FrameSize() {
    }

    /** The UTF-8 size of a string, without encoding it. */
    public static long utf8Length(String text) {
        long bytes = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                bytes += c < 0x800 || Character.isSurrogate(c) ? 1 : 2; // a surrogate pair: 4 bytes for 2 chars
            }
        }
        return bytes;
    }
}
