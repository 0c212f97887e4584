package io.chorus.protocol;

/** A client frame that breaks the protocol; answered with an {@code error} event, never a crash. */
public class ProtocolException extends Exception {

    private final ErrorCode code;
    private final String ref;

    public ProtocolException(ErrorCode code, String message, String ref) {
        super(message, null, false, false);
        this.code = code;
        this.ref = ref;
    }

    public ErrorCode code() {
        return code;
    }

    /** The {@code ref} of the offending frame, when it could be read; otherwise null. */
    public String ref() {
        return ref;
    }
}
