package dev.vigil.ingest;

import java.util.Locale;

/** Why a record could not be scored: a bounded set, so it can be a metric label and a header value. */
public enum ErrorClass {
    EMPTY_VALUE,
    TOO_LARGE,
    NOT_JSON,
    NOT_OBJECT,
    MISSING_FIELD,
    WRONG_TYPE,
    NON_FINITE,
    UNKNOWN_CATEGORY,
    BAD_TIMESTAMP;

    /** The lower-case name used in headers, metrics and docs, e.g. {@code not_json}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
