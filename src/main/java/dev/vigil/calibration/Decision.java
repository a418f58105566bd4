package dev.vigil.calibration;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the {@link AlertPolicy} concluded about one scored record, with everything needed to explain it.
 *
 * @param anomaly              whether the record alerts
 * @param score                the record's anomaly score
 * @param pValue               estimated share of normal records scoring at least this high
 * @param severity             the severity of that p-value (see {@link Severity})
 * @param calibrationVersion   the calibration the p-value and decision were computed with
 * @param threshold            that calibration's threshold
 * @param aboveThreshold       whether the score exceeded the threshold plus the margin
 * @param featurePValues       per-feature p-values in feature order, or null when no terms were given
 * @param contributingFeatures how many features had a p-value within the policy's bound (0 without terms)
 */
public record Decision(
        boolean anomaly,
        double score,
        double pValue,
        Severity severity,
        long calibrationVersion,
        double threshold,
        boolean aboveThreshold,
        double[] featurePValues,
        int contributingFeatures) {

    public Decision {
        Objects.requireNonNull(severity, "severity");
        featurePValues = featurePValues == null ? null : featurePValues.clone();
    }

    @Override
    public double[] featurePValues() {
        return featurePValues == null ? null : featurePValues.clone();
    }

    /** The anomaly column of {@code vigil score}: 1 for an alert, else 0. */
    public int anomalyFlag() {
        return anomaly ? 1 : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Decision d && anomaly == d.anomaly && Double.compare(score, d.score) == 0
                && Double.compare(pValue, d.pValue) == 0 && severity == d.severity
                && calibrationVersion == d.calibrationVersion && Double.compare(threshold, d.threshold) == 0
                && aboveThreshold == d.aboveThreshold && Arrays.equals(featurePValues, d.featurePValues)
                && contributingFeatures == d.contributingFeatures;
    }

    @Override
    public int hashCode() {
        return Objects.hash(anomaly, score, pValue, severity, calibrationVersion, threshold, aboveThreshold,
                Arrays.hashCode(featurePValues), contributingFeatures);
    }

    @Override
    public String toString() {
        return "Decision[anomaly=" + anomaly + ", score=" + score + ", pValue=" + pValue + ", severity=" + severity
                + ", calibrationVersion=" + calibrationVersion + ", threshold=" + threshold
                + ", aboveThreshold=" + aboveThreshold + ", featurePValues=" + Arrays.toString(featurePValues)
                + ", contributingFeatures=" + contributingFeatures + "]";
    }
}
