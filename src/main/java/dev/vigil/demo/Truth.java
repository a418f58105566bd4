package dev.vigil.demo;

import java.util.Locale;

/**
 * The ground truth a generated record carries in its {@value #HEADER} header: {@value #NORMAL},
 * {@code anomaly:<kind>} or {@code malformed:<kind>}. Lets tests and the demo count recall, false
 * alarms and dead letters without a side channel.
 */
public final class Truth {

    /** Name of the Kafka header holding the truth label (UTF-8). */
    public static final String HEADER = "vigil.truth";
    public static final String NORMAL = "normal";
    public static final String ANOMALY_PREFIX = "anomaly:";
    public static final String MALFORMED_PREFIX = "malformed:";

    /** What an injected anomaly looks like. The records stay well-formed; only their values are odd. */
    public enum AnomalyKind {
        /** One numeric feature jumps far above its usual level. */
        SPIKE,
        /** Each value is plausible on its own but two related features disagree (e.g. high traffic, idle CPU). */
        BROKEN_CORRELATION,
        /** The region label does not match the values (e.g. "ap" with European latency). */
        CATEGORY_MISMATCH,
        /** A host repeats the exact same numeric vector for a run of records; invisible one record at a time. */
        STUCK_VALUE;

        /** The kind's name as the demo summary spells it, e.g. {@code broken_correlation}. */
        public String kind() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The label, e.g. {@code anomaly:broken_correlation}. */
        public String label() {
            return ANOMALY_PREFIX + kind();
        }
    }

    /** How a malformed record is broken. None of them can be turned into a feature vector. */
    public enum MalformedKind {
        /** Not parseable as JSON (truncated or plain text). */
        NOT_JSON,
        /** Valid JSON, but not an object. */
        NOT_OBJECT,
        /** A feature has the wrong JSON type (e.g. a string where a number belongs). */
        WRONG_TYPE,
        /** A required feature is absent. */
        MISSING_FIELD,
        /** A numeric feature holds the string "NaN" or "Infinity". */
        NAN_STRING;

        /** The label, e.g. {@code malformed:not_json}. */
        public String label() {
            return MALFORMED_PREFIX + name().toLowerCase(Locale.ROOT);
        }
    }

    private Truth() {
    }

    public static boolean isNormal(String truth) {
        return NORMAL.equals(truth);
    }

    public static boolean isAnomaly(String truth) {
        return truth != null && truth.startsWith(ANOMALY_PREFIX);
    }

    public static boolean isMalformed(String truth) {
        return truth != null && truth.startsWith(MALFORMED_PREFIX);
    }
}
