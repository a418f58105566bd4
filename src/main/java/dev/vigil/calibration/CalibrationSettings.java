package dev.vigil.calibration;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How to calibrate, and how sensitive alerting is. Immutable; validated on construction; stored in
 * every {@link Calibration} so that a decision can always be traced to the knobs in force.
 *
 * <p>The knobs a user tunes, from coarse to fine:
 * <ul>
 *   <li>{@code targetFpr}: the share of normal records allowed to alert. 1e-3 at 10,000 records/s
 *       means about 10 false alerts a second before incident folding; 1e-5 about one every 10 s.
 *       The threshold is set for this rate.</li>
 *   <li>{@code minScoreMargin}: extra score (nats) above the threshold before a record alerts. With a
 *       threshold of 41.7 and a margin of 5, a record scoring 44 gets its p-value and severity but
 *       no alert; one scoring 47 alerts. Use it to ignore near misses without recalibrating.</li>
 *   <li>{@code minContributingFeatures} and {@code featurePValueBound}: with N = 2 and bound 0.01,
 *       a record alerts only if at least two features each have a reconstruction term that fewer
 *       than 1 in 100 normal records reach. This silences alerts driven by one noisy field. 0
 *       turns the rule off.</li>
 * </ul>
 *
 * @param targetFpr               target false-positive rate, in (0, 0.5); default 1e-3
 * @param tailQuantile            level of the initial peaks-over-threshold threshold, in (0.5, 1);
 *                                default 0.98 (2% of the held-out scores are excesses)
 * @param minScoreMargin          score margin above the threshold, >= 0; default 0
 * @param minContributingFeatures minimum number of contributing features, >= 0; default 0 (off)
 * @param featurePValueBound      a feature contributes when its per-feature p-value is at most
 *                                this, in (0, 1); default 0.01
 * @param driftEnabled            whether {@link Calibration#updated} may follow drift; default false
 * @param driftWeight             weight in (0, 1] of each update batch in the smoothed drift; default 0.1
 * @param driftMaxGrowth          bound on the drift, as a fraction (>= 0) of the original distance
 *                                from the median to the threshold; default 0.5
 */
public record CalibrationSettings(
        @JsonProperty("targetFpr") double targetFpr,
        @JsonProperty("tailQuantile") double tailQuantile,
        @JsonProperty("minScoreMargin") double minScoreMargin,
        @JsonProperty("minContributingFeatures") int minContributingFeatures,
        @JsonProperty("featurePValueBound") double featurePValueBound,
        @JsonProperty("driftEnabled") boolean driftEnabled,
        @JsonProperty("driftWeight") double driftWeight,
        @JsonProperty("driftMaxGrowth") double driftMaxGrowth) {

    public static final double DEFAULT_TARGET_FPR = 1e-3;
    public static final double DEFAULT_TAIL_QUANTILE = 0.98;
    public static final double DEFAULT_FEATURE_P_VALUE_BOUND = 0.01;
    public static final double DEFAULT_DRIFT_WEIGHT = 0.1;
    public static final double DEFAULT_DRIFT_MAX_GROWTH = 0.5;

    public CalibrationSettings {
        require(targetFpr > 0 && targetFpr < 0.5, "targetFpr must be in (0, 0.5), got " + targetFpr);
        require(tailQuantile > 0.5 && tailQuantile < 1, "tailQuantile must be in (0.5, 1), got " + tailQuantile);
        require(minScoreMargin >= 0 && Double.isFinite(minScoreMargin), "minScoreMargin must be finite and >= 0, got " + minScoreMargin);
        require(minContributingFeatures >= 0, "minContributingFeatures must be >= 0, got " + minContributingFeatures);
        require(featurePValueBound > 0 && featurePValueBound < 1, "featurePValueBound must be in (0, 1), got " + featurePValueBound);
        require(driftWeight > 0 && driftWeight <= 1, "driftWeight must be in (0, 1], got " + driftWeight);
        require(driftMaxGrowth >= 0 && Double.isFinite(driftMaxGrowth), "driftMaxGrowth must be finite and >= 0, got " + driftMaxGrowth);
    }

    /** The defaults: target 1e-3, tail quantile 0.98, no margin, no feature rule, no drift. */
    public static CalibrationSettings defaults() {
        return new CalibrationSettings(DEFAULT_TARGET_FPR, DEFAULT_TAIL_QUANTILE, 0, 0,
                DEFAULT_FEATURE_P_VALUE_BOUND, false, DEFAULT_DRIFT_WEIGHT, DEFAULT_DRIFT_MAX_GROWTH);
    }

    public CalibrationSettings withTargetFpr(double value) {
        return new CalibrationSettings(value, tailQuantile, minScoreMargin, minContributingFeatures, featurePValueBound, driftEnabled, driftWeight, driftMaxGrowth);
    }

    public CalibrationSettings withTailQuantile(double value) {
        return new CalibrationSettings(targetFpr, value, minScoreMargin, minContributingFeatures, featurePValueBound, driftEnabled, driftWeight, driftMaxGrowth);
    }

    public CalibrationSettings withMinScoreMargin(double value) {
        return new CalibrationSettings(targetFpr, tailQuantile, value, minContributingFeatures, featurePValueBound, driftEnabled, driftWeight, driftMaxGrowth);
    }

    /** Sets the feature rule: at least {@code count} features with a p-value of at most {@code pValueBound}. */
    public CalibrationSettings withContributingFeatures(int count, double pValueBound) {
        return new CalibrationSettings(targetFpr, tailQuantile, minScoreMargin, count, pValueBound, driftEnabled, driftWeight, driftMaxGrowth);
    }

    /** Turns drift following on with the given batch weight and growth bound. */
    public CalibrationSettings withDrift(double weight, double maxGrowth) {
        return new CalibrationSettings(targetFpr, tailQuantile, minScoreMargin, minContributingFeatures, featurePValueBound, true, weight, maxGrowth);
    }

    /** The decision rule these settings describe. */
    public AlertPolicy alertPolicy() {
        return new AlertPolicy(minScoreMargin, minContributingFeatures, featurePValueBound);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
