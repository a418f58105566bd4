package dev.vigil.eval;

import java.util.Arrays;

/**
 * Mahalanobis-distance baseline with a robust covariance, so anomalies in the (contaminated)
 * training rows do not inflate the model of normal.
 *
 * <p>Robust fit ("MCD-lite"): standardize, estimate mean and covariance on all rows, then repeat
 * the concentration step of FAST-MCD: keep the {@link #supportFraction} of rows closest in
 * Mahalanobis distance and re-estimate on them, until the kept set stops changing (at most 20
 * times, from this one start). Regularization: the covariance is inverted through its
 * eigen-decomposition with every eigenvalue floored at 1e-3 x the mean eigenvalue, so a singular
 * covariance (constant or collinear features, common in SMD) gives large but finite distances.
 *
 * <p>Score = squared Mahalanobis distance. A feature's contribution is
 * {@code c_j = (x - mu)_j * (S^-1 (x - mu))_j}; the contributions sum to the score. Deterministic.
 */
public final class MahalanobisDetector implements Detector {

    private static final double EIGEN_FLOOR = 1e-3;
    private static final int MAX_STEPS = 20;

    private final double supportFraction;
    private Standardizer standardizer;
    private double[] center;
    private double[][] precision;
    private double[][] whitening;

    public MahalanobisDetector() {
        this(0.75);
    }

    /** @param supportFraction share of training rows the robust estimate is based on, in (0.5, 1] */
    public MahalanobisDetector(double supportFraction) {
        if (!(supportFraction > 0.5 && supportFraction <= 1)) {
            throw new IllegalArgumentException("supportFraction must be in (0.5, 1], got " + supportFraction);
        }
        this.supportFraction = supportFraction;
    }

    @Override
    public String name() {
        return "mahalanobis";
    }

    @Override
    public void fit(double[][] train) {
        Standardizer.dimensions(train);
        whitening = null; // derived from the precision on first use; a new fit makes it stale
        standardizer = Standardizer.fit(train);
        double[][] z = standardizer.apply(train);
        int h = Math.max(2, (int) Math.ceil(supportFraction * z.length));
        double[][] support = z;
        int[] previous = null;
        for (int step = 0; step <= MAX_STEPS; step++) {
            center = Standardizer.mean(support);
            precision = regularizedInverse(Standardizer.covariance(support, center));
            if (h >= z.length) {
                break;
            }
            double[] distances = new double[z.length];
            for (int i = 0; i < z.length; i++) {
                distances[i] = distance(z[i]);
            }
            int[] kept = closest(distances, h);
            if (Arrays.equals(kept, previous)) {
                break;
            }
            previous = kept;
            support = new double[h][];
            for (int i = 0; i < h; i++) {
                support[i] = z[kept[i]];
            }
        }
    }

    @Override
    public double[] score(double[][] test) {
        requireFit();
        double[] scores = new double[test.length];
        for (int i = 0; i < test.length; i++) {
            scores[i] = distance(standardizer.apply(test[i]));
        }
        return scores;
    }

    @Override
    public int[][] topFeatures(double[][] test, int k) {
        requireFit();
        int[][] top = new int[test.length][];
        for (int i = 0; i < test.length; i++) {
            double[] c = centred(standardizer.apply(test[i]));
            double[] contributions = new double[c.length];
            for (int a = 0; a < c.length; a++) {
                contributions[a] = c[a] * SymmetricEigen.dot(precision[a], c);
            }
            top[i] = Metrics.topK(contributions, k);
        }
        return top;
    }

    /**
     * The whitening map of the fitted (robust) covariance, for studies: {@code W (standardize(x) - center)},
     * W the symmetric square root of the regularized precision, so the squared length of the result is the score.
     */
    double[] whiten(double[] row) {
        requireFit();
        if (whitening == null) {
            SymmetricEigen eigen = SymmetricEigen.of(precision);
            int d = precision.length;
            whitening = new double[d][d];
            for (int k = 0; k < d; k++) {
                double root = Math.sqrt(Math.max(0, eigen.values[k]));
                double[] v = eigen.vectors[k];
                for (int a = 0; a < d; a++) {
                    for (int b = 0; b < d; b++) {
                        whitening[a][b] += root * v[a] * v[b];
                    }
                }
            }
        }
        double[] c = centred(standardizer.apply(row));
        double[] w = new double[c.length];
        for (int a = 0; a < c.length; a++) {
            w[a] = SymmetricEigen.dot(whitening[a], c);
        }
        return w;
    }

    private double distance(double[] z) {
        double[] c = centred(z);
        double s = 0;
        for (int a = 0; a < c.length; a++) {
            s += c[a] * SymmetricEigen.dot(precision[a], c);
        }
        return s;
    }

    private double[] centred(double[] z) {
        double[] c = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            c[j] = z[j] - center[j];
        }
        return c;
    }

    private void requireFit() {
        if (precision == null) {
            throw new IllegalStateException("fit before score");
        }
    }

    /** Indices of the h smallest distances, sorted by index so kept sets can be compared. */
    private static int[] closest(double[] distances, int h) {
        int[] order = java.util.stream.IntStream.range(0, distances.length).boxed()
                .sorted((a, b) -> Double.compare(distances[a], distances[b]))
                .mapToInt(Integer::intValue).limit(h).toArray();
        Arrays.sort(order);
        return order;
    }

    static double[][] regularizedInverse(double[][] cov) {
        SymmetricEigen eigen = SymmetricEigen.of(cov);
        int d = cov.length;
        double mean = 0;
        for (double v : eigen.values) {
            mean += Math.max(0, v) / d;
        }
        double floor = Math.max(EIGEN_FLOOR * mean, 1e-12);
        double[][] inverse = new double[d][d];
        for (int k = 0; k < d; k++) {
            double inv = 1 / Math.max(eigen.values[k], floor);
            double[] v = eigen.vectors[k];
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    inverse[a][b] += inv * v[a] * v[b];
                }
            }
        }
        return inverse;
    }
}
