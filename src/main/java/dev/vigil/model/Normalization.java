package dev.vigil.model;

import dev.vigil.ingest.FeatureSpec;
import java.util.Arrays;

/**
 * Robust standardization of the numeric features, fitted on training data and stored with the
 * model: {@code (x - median) / scale}, where scale is the interquartile range divided by 1.349
 * (the IQR of a unit Gaussian), falling back to the standard deviation when the IQR is zero
 * (sparse features: more than half the values equal) and to 1 for a constant feature.
 * Categorical features keep center 0 and scale 1. Arrays are in spec order.
 */
public record Normalization(double[] center, double[] scale) {

    /** Scales below this (relative to 1 + |median|) count as zero. */
    static final double SCALE_FLOOR = 1e-9;

    public Normalization {
        center = center.clone();
        scale = scale.clone();
        if (center.length != scale.length) {
            throw new IllegalArgumentException("center and scale differ in length");
        }
        for (double s : scale) {
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException("every scale must be positive and finite");
            }
        }
    }

    @Override
    public double[] center() {
        return center.clone();
    }

    @Override
    public double[] scale() {
        return scale.clone();
    }

    double center(int feature) {
        return center[feature];
    }

    double scale(int feature) {
        return scale[feature];
    }

    /** Fits on the present (non-NaN) values of each numeric feature of {@code rows}. */
    public static Normalization fit(FeatureSpec featureSpec, double[][] rows) {
        FeatureSpec spec = featureSpec.modelInput();
        int n = spec.size();
        double[] center = new double[n];
        double[] scale = new double[n];
        for (int j = 0; j < n; j++) {
            scale[j] = 1;
            if (!spec.feature(j).isNumeric()) {
                continue;
            }
            double[] values = new double[rows.length];
            int count = 0;
            for (double[] row : rows) {
                if (!Double.isNaN(row[j])) {
                    values[count++] = row[j];
                }
            }
            if (count == 0) {
                continue;
            }
            values = Arrays.copyOf(values, count);
            Arrays.sort(values);
            double median = quantile(values, 0.5);
            double floor = SCALE_FLOOR * (1 + Math.abs(median));
            double s = (quantile(values, 0.75) - quantile(values, 0.25)) / 1.349;
            if (s < floor) {
                s = std(values);
            }
            center[j] = median;
            scale[j] = s < floor ? 1 : s;
        }
        return new Normalization(center, scale);
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static double std(double[] values) {
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / values.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization other && Arrays.equals(center, other.center) && Arrays.equals(scale, other.scale);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(center) + Arrays.hashCode(scale);
    }

    @Override
    public String toString() {
        return "Normalization[center=" + Arrays.toString(center) + ", scale=" + Arrays.toString(scale) + "]";
    }
}
