package dev.vigil.calibration;

/**
 * The rule that turns a score into an alert, from the sensitivity knobs. A record is an anomaly when
 *
 * <ol>
 *   <li>its score is above the calibrated threshold plus {@code minScoreMargin}, and</li>
 *   <li>when {@code minContributingFeatures = N > 0}: at least N of its features have a per-feature
 *       p-value of at most {@code featurePValueBound}.</li>
 * </ol>
 *
 * <p>Examples, for a calibration with target 1e-3 and threshold 41.7 nats:
 * <ul>
 *   <li>Defaults (margin 0, N = 0): every record scoring above 41.7 alerts, about 1 in 1,000
 *       normal records.</li>
 *   <li>Margin 5: only records above 46.7 alert. The p-value and severity of a record at 44 are
 *       still reported, so dashboards see near misses without paging anyone.</li>
 *   <li>N = 2, bound 0.01: a record at 50 whose score comes almost entirely from one feature
 *       (only that feature has a p-value of 0.01 or less) does not alert; one where cpu and
 *       latency are both in their top 1% does. This trades some recall for fewer alerts caused by
 *       a single noisy field, and it can only remove alerts, never add them, so the realized
 *       false-positive rate stays at or below the target.</li>
 * </ul>
 *
 * <p>The p-value, and hence the severity, never depends on these knobs: they decide whether to
 * alert, not how surprising a record is.
 *
 * @param minScoreMargin          score (nats) required above the threshold, >= 0
 * @param minContributingFeatures features that must be individually rare, >= 0 (0 = off)
 * @param featurePValueBound      per-feature p-value at or below which a feature counts, in (0, 1)
 */
public record AlertPolicy(double minScoreMargin, int minContributingFeatures, double featurePValueBound) {

    public AlertPolicy {
        if (!(minScoreMargin >= 0) || !Double.isFinite(minScoreMargin)) {
            throw new IllegalArgumentException("minScoreMargin must be finite and >= 0, got " + minScoreMargin);
        }
        if (minContributingFeatures < 0) {
            throw new IllegalArgumentException("minContributingFeatures must be >= 0, got " + minContributingFeatures);
        }
        if (!(featurePValueBound > 0 && featurePValueBound < 1)) {
            throw new IllegalArgumentException("featurePValueBound must be in (0, 1), got " + featurePValueBound);
        }
    }

    /**
     * Decides about one record.
     *
     * @param calibration  the current calibration (its version is named in the decision)
     * @param score        the record's anomaly score
     * @param featureTerms the record's per-feature reconstruction terms in feature order, or null;
     *                     required when {@code minContributingFeatures > 0}. NaN marks a missing
     *                     feature, which never contributes.
     */
    public Decision decide(Calibration calibration, double score, double[] featureTerms) {
        double pValue = calibration.pValue(score);
        double[] featurePValues = null;
        int contributing = 0;
        if (featureTerms != null) {
            int features = calibration.featureCount();
            if (featureTerms.length != features) {
                throw new IllegalArgumentException("expected " + features + " feature terms, got " + featureTerms.length);
            }
            featurePValues = new double[features];
            for (int j = 0; j < features; j++) {
                featurePValues[j] = calibration.featurePValue(j, featureTerms[j]);
                if (featurePValues[j] <= featurePValueBound) {
                    contributing++;
                }
            }
        } else if (minContributingFeatures > 0) {
            throw new IllegalArgumentException("this policy needs feature terms (minContributingFeatures = " + minContributingFeatures + ")");
        }
        boolean above = score > calibration.threshold() + minScoreMargin;
        boolean anomaly = above && contributing >= minContributingFeatures;
        return new Decision(anomaly, score, pValue, calibration.severity(pValue), calibration.version(),
                calibration.threshold(), above, featurePValues, contributing);
    }
}
