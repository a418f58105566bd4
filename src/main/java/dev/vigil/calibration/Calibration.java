package dev.vigil.calibration;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a model's scores mean: the threshold for a target false-positive rate, p-values, severity
 * and the sensitivity knobs, estimated from scores of held-out normal records. Immutable; travels
 * in the model bundle as JSON ({@link #toBytes}, {@link #fromBytes}).
 *
 * <p><b>Threshold.</b> The score whose p-value is the target rate: the empirical quantile when at
 * least {@value ScoreDistribution#MIN_EMPIRICAL_EXCEEDANCES} held-out scores are expected above
 * it, else a peaks-over-threshold (generalized Pareto) extrapolation as in SPOT (Siffer et al.,
 * KDD 2017). With 5,000 held-out scores that means empirical for 1e-2 and GPD for 1e-3; see
 * {@link ScoreDistribution} for how the two parts join.
 *
 * <p><b>p-values</b> are in [{@value ScoreDistribution#P_VALUE_FLOOR}, 1] and never increase with
 * the score; {@code pValue(threshold())} equals the target rate. Per-feature p-values do the same
 * for each feature's reconstruction term, so an alert can say "cpu is 1-in-50,000 high".
 *
 * <p><b>Drift</b> (off by default, DSPOT-style): {@link #updated} shifts the whole score
 * distribution by a smoothed, bounded estimate of how far the median of recent normal scores has
 * moved, and returns a new version. The shape of the tail is not re-estimated.
 *
 * @param version     increases by one with every update; named beside every p-value
 * @param threshold   the current threshold: the base threshold plus {@code driftShift}
 * @param sampleCount number of held-out scores it was fitted on
 * @param scores      the distribution of held-out scores (sketch and tail)
 * @param features    per-feature distributions of reconstruction terms; empty when none were given
 * @param driftShift  how far drift has moved the score distribution since the fit (0 without drift)
 * @param settings    the settings it was fitted with, including the sensitivity knobs
 */
public record Calibration(
        @JsonProperty("version") long version,
        @JsonProperty("threshold") double threshold,
        @JsonProperty("sampleCount") long sampleCount,
        @JsonProperty("scores") ScoreDistribution scores,
        @JsonProperty("features") List<ScoreDistribution> features,
        @JsonProperty("driftShift") double driftShift,
        @JsonProperty("settings") CalibrationSettings settings) {

    private static final Logger LOG = LoggerFactory.getLogger(Calibration.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Quantiles kept for the score sketch: a resolution of 0.1% of the held-out scores. */
    public static final int SCORE_SKETCH_SIZE = 1001;

    /** Quantiles kept per feature: 0.5% resolution keeps a bundle with many features small. */
    public static final int FEATURE_SKETCH_SIZE = 201;

    /** Warn when the threshold extrapolates more than this factor beyond the empirical anchor. */
    private static final double FAR_EXTRAPOLATION = 100;

    public Calibration {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(settings, "settings");
        features = features == null ? List.of() : List.copyOf(features);
        if (!Double.isFinite(threshold) || !Double.isFinite(driftShift)) {
            throw new IllegalArgumentException("threshold and drift shift must be finite");
        }
    }

    /**
     * Calibrates from held-out normal scores.
     *
     * @param heldOutScores finite scores of held-out normal records
     * @param featureTerms  per-record feature terms, {@code featureTerms[record][feature]}, aligned
     *                      with {@code heldOutScores}, or null; NaN marks a missing feature
     * @param settings      target rate, tail quantile and knobs
     */
    public static Calibration fit(double[] heldOutScores, double[][] featureTerms, CalibrationSettings settings) {
        Objects.requireNonNull(settings, "settings");
        int n = heldOutScores.length;
        for (double s : heldOutScores) {
            if (!Double.isFinite(s)) {
                throw new IllegalArgumentException("held-out scores must be finite, got " + s);
            }
        }
        int excesses = (int) Math.floor(n * (1 - settings.tailQuantile()));
        if (excesses < ScoreDistribution.MIN_EXCESSES) {
            throw new IllegalArgumentException("need at least " + ScoreDistribution.MIN_EXCESSES + " held-out scores above the "
                    + settings.tailQuantile() + " quantile for a tail fit, i.e. at least "
                    + (int) Math.ceil(ScoreDistribution.MIN_EXCESSES / (1 - settings.tailQuantile())) + " scores; got " + n);
        }
        ScoreDistribution scores = ScoreDistribution.fit(heldOutScores, settings.tailQuantile(), SCORE_SKETCH_SIZE);
        if (scores.tail() == null) {
            throw new IllegalArgumentException("the held-out scores have no tail to fit (too many ties above the "
                    + settings.tailQuantile() + " quantile)");
        }
        List<ScoreDistribution> features = new ArrayList<>();
        if (featureTerms != null) {
            if (featureTerms.length != n) {
                throw new IllegalArgumentException("featureTerms has " + featureTerms.length + " rows for " + n + " scores");
            }
            int count = n == 0 ? 0 : featureTerms[0].length;
            double[] column = new double[n];
            for (int j = 0; j < count; j++) {
                for (int i = 0; i < n; i++) {
                    if (featureTerms[i].length != count) {
                        throw new IllegalArgumentException("featureTerms row " + i + " has " + featureTerms[i].length + " terms, expected " + count);
                    }
                    column[i] = featureTerms[i][j];
                }
                features.add(ScoreDistribution.fit(column, settings.tailQuantile(), FEATURE_SKETCH_SIZE));
            }
        } else if (settings.minContributingFeatures() > 0) {
            throw new IllegalArgumentException("minContributingFeatures > 0 needs feature terms to calibrate");
        }
        if (settings.minContributingFeatures() > features.size()) {
            throw new IllegalArgumentException("minContributingFeatures " + settings.minContributingFeatures()
                    + " exceeds the " + features.size() + " features");
        }
        double alpha = settings.targetFpr();
        double anchorPValue = scores.tail().anchorPValue();
        if (alpha * FAR_EXTRAPOLATION < anchorPValue) {
            LOG.warn("Target rate {} is {}x rarer than the {} held-out scores support empirically; the threshold is a far "
                    + "extrapolation of the tail fit: calibrate on more scores", alpha, anchorPValue / alpha, n);
        }
        double threshold = scores.valueAtPValue(alpha);
        return new Calibration(1, threshold, n, scores, features, 0, settings);
    }

    /** The target false-positive rate the threshold was set for. */
    public double targetFpr() {
        return settings.targetFpr();
    }

    /** Number of features with a per-feature distribution. */
    public int featureCount() {
        return features.size();
    }

    /**
     * The threshold that would give false-positive rate {@code fpr} under this calibration,
     * including drift; {@code thresholdFor(targetFpr())} is {@link #threshold()}.
     */
    public double thresholdFor(double fpr) {
        return scores.valueAtPValue(fpr) + driftShift;
    }

    /** The estimated share of normal records that score at least {@code score}; see the class comment. */
    public double pValue(double score) {
        return scores.pValue(score - driftShift);
    }

    /**
     * The estimated share of normal records whose reconstruction term for {@code feature} is at
     * least {@code term}; 1 for a missing (NaN) term.
     */
    public double featurePValue(int feature, double term) {
        Objects.checkIndex(feature, features.size());
        return Double.isNaN(term) ? 1 : features.get(feature).pValue(term);
    }

    /** The severity of a p-value relative to this calibration's target rate; see {@link Severity}. */
    public Severity severity(double pValue) {
        return Severity.of(pValue, targetFpr());
    }

    /** Decides about one record with the knobs in {@link #settings()}; see {@link AlertPolicy}. */
    public Decision decide(double score, double[] featureTerms) {
        return settings.alertPolicy().decide(this, score, featureTerms);
    }

    /**
     * Follows drift of the normal score distribution (DSPOT, Siffer et al. 2017, models drift as a
     * moving local level under a stationary tail). Returns a new calibration, version + 1; this one
     * is unchanged.
     *
     * <p>The level estimate is the median of {@code normalScores} (robust to the few anomalies that
     * slip through), minus the median of the held-out scores. The shift moves towards it by
     * {@code driftWeight}, and is clamped to plus or minus {@code driftMaxGrowth} times the
     * original distance from the median to the threshold. So however long anomalies creep upward
     * and are taken for normal, the threshold never rises by more than that: with the default 0.5
     * and a fit with median 10 and threshold 30, the threshold stays within [20, 40].
     *
     * @param normalScores scores of recent records judged normal, at least one
     * @throws IllegalStateException when drift is not enabled in the settings
     */
    public Calibration updated(double[] normalScores) {
        if (!settings.driftEnabled()) {
            throw new IllegalStateException("drift following is off in this calibration's settings");
        }
        if (normalScores.length == 0) {
            throw new IllegalArgumentException("an update needs at least one score");
        }
        double[] sorted = normalScores.clone();
        Arrays.sort(sorted);
        if (!Double.isFinite(sorted[0]) || !Double.isFinite(sorted[sorted.length - 1])) {
            throw new IllegalArgumentException("drift scores must be finite");
        }
        double median = sorted.length == 1 ? sorted[0] : ScoreDistribution.empiricalQuantile(sorted, 0.5);
        double referenceMedian = scores.valueAtPValue(0.5);
        double bound = settings.driftMaxGrowth() * (scores.valueAtPValue(targetFpr()) - referenceMedian);
        double target = median - referenceMedian;
        double shift = driftShift + settings.driftWeight() * (target - driftShift);
        shift = Math.max(-bound, Math.min(bound, shift));
        return new Calibration(version + 1, scores.valueAtPValue(targetFpr()) + shift, sampleCount, scores, features, shift, settings);
    }

    /** JSON bytes that {@link #fromBytes} turns back into an equal calibration. */
    public byte[] toBytes() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize calibration", e);
        }
    }

    /** Reads a calibration written by {@link #toBytes}. */
    public static Calibration fromBytes(byte[] bytes) {
        try {
            return JSON.readValue(bytes, Calibration.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a valid calibration: " + e.getMessage(), e);
        }
    }
}
