package dev.vigil.eval;

/**
 * PCA reconstruction-error baseline: standardize each feature on the training rows, keep the
 * principal components that explain {@link #varianceKept} of the training variance (at least one,
 * at most d - 1 so that something is left to reconstruct badly), and score a row by its squared
 * distance to that subspace in standardized units. A feature's contribution is its squared
 * residual, so the contributions sum to the score.
 *
 * <p>The components come from a Jacobi eigen-decomposition of the training covariance.
 * Deterministic: no seed.
 */
public final class PcaDetector implements Detector {

    /** Share of training variance the kept components explain (0.95 by default). */
    private final double varianceKept;
    private Standardizer standardizer;
    private double[][] components;

    public PcaDetector() {
        this(0.95);
    }

    public PcaDetector(double varianceKept) {
        if (!(varianceKept > 0 && varianceKept < 1)) {
            throw new IllegalArgumentException("varianceKept must be in (0, 1), got " + varianceKept);
        }
        this.varianceKept = varianceKept;
    }

    @Override
    public String name() {
        return "pca";
    }

    /** Number of kept components after {@link #fit}. */
    public int components() {
        return components.length;
    }

    @Override
    public void fit(double[][] train) {
        int d = Standardizer.dimensions(train);
        standardizer = Standardizer.fit(train);
        double[][] z = standardizer.apply(train);
        SymmetricEigen eigen = SymmetricEigen.of(Standardizer.covariance(z, new double[d]));
        double total = 0;
        for (double v : eigen.values) {
            total += Math.max(0, v);
        }
        int k = 0;
        double explained = 0;
        while (k < d - 1 && (k == 0 || explained < varianceKept * total)) {
            explained += Math.max(0, eigen.values[k]);
            k++;
        }
        components = java.util.Arrays.copyOf(eigen.vectors, Math.max(1, k));
    }

    @Override
    public double[] score(double[][] test) {
        double[] scores = new double[test.length];
        for (int i = 0; i < test.length; i++) {
            double s = 0;
            for (double r : residual(test[i])) {
                s += r * r;
            }
            scores[i] = s;
        }
        return scores;
    }

    @Override
    public int[][] topFeatures(double[][] test, int k) {
        int[][] top = new int[test.length][];
        for (int i = 0; i < test.length; i++) {
            double[] r = residual(test[i]);
            for (int j = 0; j < r.length; j++) {
                r[j] *= r[j];
            }
            top[i] = Metrics.topK(r, k);
        }
        return top;
    }

    private double[] residual(double[] row) {
        if (components == null) {
            throw new IllegalStateException("fit before score");
        }
        double[] z = standardizer.apply(row);
        double[] r = z.clone();
        for (double[] pc : components) {
            double projection = SymmetricEigen.dot(z, pc);
            for (int j = 0; j < r.length; j++) {
                r[j] -= projection * pc[j];
            }
        }
        return r;
    }
}
