package dev.vigil.calibration;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * The distribution of one quantity (the anomaly score, or one feature's reconstruction term) under
 * normal traffic, as estimated from held-out samples: a compact quantile sketch for the body and a
 * peaks-over-threshold {@link Tail} for the rare end. Immutable.
 *
 * <p>{@link #pValue} is the estimated probability that a normal record reaches at least the given
 * value. It is empirical (read off the sketch) wherever at least {@value #MIN_EMPIRICAL_EXCEEDANCES}
 * held-out samples lie above the value, and generalized Pareto beyond that point (the
 * <em>anchor</em>), scaled to meet the empirical part there: for {@code s > anchor},
 *
 * <pre>  p(s) = anchorPValue * S(s - t) / S(anchor - t)</pre>
 *
 * <p>where {@code t} is the initial POT threshold (a high empirical quantile) and {@code S} the
 * survival function of the GPD fitted to all excesses over {@code t}. So the GPD supplies the
 * <em>shape</em> of the tail from every excess, while its level is pinned to what the data show;
 * when the anchor is {@code t} itself this is exactly SPOT's {@code zeta * S(s - t)}. The result is
 * continuous and non-increasing in {@code s}, and {@link #valueAtPValue} is its exact inverse, so a
 * threshold set for a rate and the p-value of that threshold agree.
 *
 * <p>p-values are floored at {@value #P_VALUE_FLOOR}: below that neither the model nor double
 * arithmetic mean anything, and a p-value of zero would make every later ratio or logarithm blow up.
 *
 * @param count     number of samples the distribution was estimated from
 * @param quantiles the sketch: {@code quantiles[i]} is the empirical quantile at level
 *                  {@code i / (quantiles.length - 1)} (linear interpolation between order
 *                  statistics), so {@code quantiles[0]} is the minimum and the last is the maximum
 * @param tail      the tail fit, or null when there were too few distinct excesses to fit one; then
 *                  the p-value stays empirical and is floored at {@code 1 / (count + 1)}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScoreDistribution(
        @JsonProperty("count") long count,
        @JsonProperty("quantiles") double[] quantiles,
        @JsonProperty("tail") Tail tail) {

    /** The smallest p-value ever returned. */
    public static final double P_VALUE_FLOOR = 1e-16;

    /** The empirical part is trusted down to the rate at which this many held-out samples lie above. */
    public static final int MIN_EMPIRICAL_EXCEEDANCES = 50;

    /** A tail fit needs at least this many excesses over the initial threshold. */
    public static final int MIN_EXCESSES = 10;

    /**
     * The peaks-over-threshold part.
     *
     * @param threshold          t, the initial POT threshold: the empirical {@code tailQuantile}
     * @param exceedanceFraction zeta, the fraction of samples above t
     * @param excesses           how many samples lay above t (the GPD was fitted to their excesses)
     * @param gpd                the GPD fitted to those excesses
     * @param anchor             where the GPD takes over from the sketch (a sketch point, >= t)
     * @param anchorPValue       the empirical p-value at the anchor
     */
    public record Tail(
            @JsonProperty("threshold") double threshold,
            @JsonProperty("exceedanceFraction") double exceedanceFraction,
            @JsonProperty("excesses") int excesses,
            @JsonProperty("gpd") GeneralizedPareto gpd,
            @JsonProperty("anchor") double anchor,
            @JsonProperty("anchorPValue") double anchorPValue) {

        public Tail {
            if (gpd == null || !(anchor >= threshold) || !(anchorPValue > 0 && anchorPValue <= exceedanceFraction)) {
                throw new IllegalArgumentException("inconsistent tail: threshold " + threshold + ", anchor " + anchor
                        + ", anchor p-value " + anchorPValue + ", exceedance fraction " + exceedanceFraction);
            }
        }

        double pValue(double value) {
            return anchorPValue * gpd.survival(value - threshold) / gpd.survival(anchor - threshold);
        }

        double valueAtPValue(double p) {
            return threshold + gpd.inverseSurvival(p / anchorPValue * gpd.survival(anchor - threshold));
        }
    }

    public ScoreDistribution {
        if (count < 1 || quantiles == null || quantiles.length < 2) {
            throw new IllegalArgumentException("a score distribution needs samples and a sketch of at least 2 quantiles");
        }
        quantiles = quantiles.clone();
        for (int i = 0; i < quantiles.length; i++) {
            if (!Double.isFinite(quantiles[i]) || (i > 0 && quantiles[i] < quantiles[i - 1])) {
                throw new IllegalArgumentException("sketch quantiles must be finite and sorted");
            }
        }
    }

    @Override
    public double[] quantiles() {
        return quantiles.clone();
    }

    /**
     * Estimates the distribution of {@code values}.
     *
     * @param values        finite samples (non-finite ones are skipped: a missing feature has no term)
     * @param tailQuantile  level of the initial POT threshold, e.g. 0.98
     * @param sketchSize    number of evenly spaced quantiles kept, at least 2
     */
    public static ScoreDistribution fit(double[] values, double tailQuantile, int sketchSize) {
        if (sketchSize < 2 || !(tailQuantile > 0 && tailQuantile < 1)) {
            throw new IllegalArgumentException("need a sketch of at least 2 quantiles and a tail quantile in (0, 1)");
        }
        double[] sorted = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        int n = sorted.length;
        if (n < 2) {
            throw new IllegalArgumentException("need at least 2 finite values, got " + n);
        }
        double[] sketch = new double[sketchSize];
        for (int i = 0; i < sketchSize; i++) {
            sketch[i] = empiricalQuantile(sorted, (double) i / (sketchSize - 1));
        }
        return new ScoreDistribution(n, sketch, fitTail(sorted, tailQuantile, sketch));
    }

    private static Tail fitTail(double[] sorted, double tailQuantile, double[] sketch) {
        int n = sorted.length;
        double t = empiricalQuantile(sorted, tailQuantile);
        int firstAbove = upperBound(sorted, t);
        int excessCount = n - firstAbove;
        if (excessCount < MIN_EXCESSES) {
            return null;
        }
        double[] excesses = new double[excessCount];
        for (int i = 0; i < excessCount; i++) {
            excesses[i] = sorted[firstAbove + i] - t;
        }
        GeneralizedPareto gpd;
        try {
            gpd = GeneralizedPareto.fit(excesses);
        } catch (IllegalArgumentException e) {
            return null;
        }
        double zeta = (double) excessCount / n;
        // The anchor is the sketch point with the fewest samples above that still has at least
        // MIN_EMPIRICAL_EXCEEDANCES of them, but never below t.
        int steps = sketch.length - 1;
        int fromTop = (int) Math.ceil((double) MIN_EMPIRICAL_EXCEEDANCES / n * steps - 1e-9);
        fromTop = Math.max(1, Math.min(fromTop, (int) Math.floor(zeta * steps + 1e-9)));
        double anchorPValue = (double) fromTop / steps;
        double anchor = sketch[steps - fromTop];
        if (anchorPValue > zeta || anchor < t) {
            anchorPValue = zeta;
            anchor = t;
        }
        if (gpd.survival(anchor - t) <= 0) {
            return null;
        }
        return new Tail(t, zeta, excessCount, gpd, anchor, anchorPValue);
    }

    /** The estimated probability that a normal sample is at least {@code value}; in [floor, 1]. */
    public double pValue(double value) {
        if (Double.isNaN(value)) {
            throw new IllegalArgumentException("cannot give a p-value for NaN");
        }
        double p;
        if (tail != null && value > tail.anchor()) {
            p = tail.pValue(value);
        } else {
            p = 1 - sketchLevel(value);
            if (tail == null) {
                p = Math.max(p, 1.0 / (count + 1));
            }
        }
        return Math.min(1, Math.max(P_VALUE_FLOOR, p));
    }

    /**
     * The value whose p-value is {@code p}: the inverse of {@link #pValue} (its smallest such value
     * where the p-value is flat). For p in (0, 1).
     */
    public double valueAtPValue(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1), got " + p);
        }
        if (tail != null && p < tail.anchorPValue()) {
            return tail.valueAtPValue(p);
        }
        double h = (1 - p) * (quantiles.length - 1);
        int i = Math.min((int) Math.floor(h), quantiles.length - 2);
        return quantiles[i] + (h - i) * (quantiles[i + 1] - quantiles[i]);
    }

    /** Whether {@code p} lies in the empirical part (enough samples above), rather than the GPD tail. */
    public boolean isEmpirical(double p) {
        return tail == null || p >= tail.anchorPValue();
    }

    /** The interpolated level F(value) of the sketch, the inverse of its piecewise-linear quantile function. */
    private double sketchLevel(double value) {
        int m = quantiles.length;
        if (value < quantiles[0]) {
            return 0;
        }
        int i = upperBound(quantiles, value) - 1; // last index with quantiles[i] <= value
        if (i >= m - 1) {
            return 1;
        }
        return (i + (value - quantiles[i]) / (quantiles[i + 1] - quantiles[i])) / (m - 1);
    }

    /** Linear interpolation between order statistics (Hyndman and Fan type 7). */
    static double empiricalQuantile(double[] sorted, double level) {
        double h = level * (sorted.length - 1);
        int i = Math.min((int) Math.floor(h), sorted.length - 2);
        return sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]);
    }

    /** Index of the first element strictly greater than {@code value}. */
    private static int upperBound(double[] sorted, double value) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoreDistribution other && count == other.count
                && Arrays.equals(quantiles, other.quantiles) && java.util.Objects.equals(tail, other.tail);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(count, Arrays.hashCode(quantiles), tail);
    }

    @Override
    public String toString() {
        return "ScoreDistribution[count=" + count + ", quantiles=" + quantiles.length + " from " + quantiles[0]
                + " to " + quantiles[quantiles.length - 1] + ", tail=" + tail + "]";
    }
}
