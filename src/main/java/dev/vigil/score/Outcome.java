package dev.vigil.score;

import java.util.Locale;

/** What became of an input record. Every record ends in exactly one of these. */
public enum Outcome {
    NORMAL,
    ANOMALY,
    /** No model existed yet (cold start): the record was not scored, but it was not dropped either. */
    UNSCORED,
    DEAD_LETTER;

    // Kept, not derived per call: every scored record writes its outcome's label.
    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }
}
