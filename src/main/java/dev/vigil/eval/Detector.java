package dev.vigil.eval;

/**
 * An anomaly detector under evaluation: fitted on unlabelled (possibly contaminated) training rows,
 * then asked for one score per test row, higher meaning more anomalous.
 *
 * <p>{@link #fit} replaces whatever the detector learned before, so one instance can be evaluated
 * on several datasets in turn. A detector is seeded at construction: the same seed and data give
 * the same scores.
 */
public interface Detector {

    /** Short name used in reports, e.g. {@code pca}. */
    String name();

    /** Learns what normal looks like from {@code train} (rows of equal length, no NaN). */
    void fit(double[][] train);

    /**
     * Scores every row of {@code test}, in order. Streaming detectors may learn from the rows as
     * they score them, so call this once per fit.
     */
    double[] score(double[][] test);

    /**
     * For every row of {@code test}, the indices of its {@code k} most contributing features, most
     * contributing first; {@code null} when the detector cannot attribute its scores.
     */
    default int[][] topFeatures(double[][] test, int k) {
        return null;
    }

    /**
     * The decision threshold the detector calibrated on its own (without test labels), or
     * {@code null} when it has none; rows scoring at least this are anomalies.
     */
    default Double calibratedThreshold() {
        return null;
    }
}
