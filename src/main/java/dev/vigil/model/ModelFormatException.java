package dev.vigil.model;

/** A model bundle could not be read: not a bundle, corrupted, truncated, too new, or for another feature spec. */
public class ModelFormatException extends RuntimeException {

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
