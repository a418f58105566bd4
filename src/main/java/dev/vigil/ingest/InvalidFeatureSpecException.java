package dev.vigil.ingest;

/** A feature spec that cannot be used; the message says what is wrong in one line. */
public class InvalidFeatureSpecException extends RuntimeException {
    public InvalidFeatureSpecException(String message) {
        super(message);
    }
}
