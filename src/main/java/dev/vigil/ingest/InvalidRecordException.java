package dev.vigil.ingest;

/** An input record that cannot be scored: the class is machine readable, the message is for people. */
public final class InvalidRecordException extends Exception {
    private final ErrorClass errorClass;

    public InvalidRecordException(ErrorClass errorClass, String reason) {
        super(reason, null, false, false); // no stack trace: this is a routine outcome, not a bug
        this.errorClass = errorClass;
    }

    public ErrorClass errorClass() {
        return errorClass;
    }
}
