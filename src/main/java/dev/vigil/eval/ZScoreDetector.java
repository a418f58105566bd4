package dev.vigil.eval;

/**
 * The sum of squared z-scores, each feature standardized by its training mean and standard
 * deviation: -log p(x) of a Gaussian with independent features, up to a constant. It is what a
 * VAE reduces to when its latent code carries nothing (the posterior collapsed) and its decoder
 * has one variance per feature, so it measures what the VAE's latent code adds or costs. Not in
 * {@code vigil evaluate}'s default set; ask for it with {@code --detectors}.
 */
public final class ZScoreDetector implements Detector {

    private Standardizer standardizer;

    @Override
    public String name() {
        return "zscore";
    }

    @Override
    public void fit(double[][] train) {
        standardizer = Standardizer.fit(train);
    }

    @Override
    public double[] score(double[][] test) {
        requireFit();
        double[] scores = new double[test.length];
        for (int i = 0; i < test.length; i++) {
            double sum = 0;
            for (double term : squaredZ(test[i])) {
                sum += term;
            }
            scores[i] = sum;
        }
        return scores;
    }

    @Override
    public int[][] topFeatures(double[][] test, int k) {
        requireFit();
        int[][] top = new int[test.length][];
        for (int i = 0; i < test.length; i++) {
            top[i] = Metrics.topK(squaredZ(test[i]), k);
        }
        return top;
    }

    /** Each feature's term of the score: its squared z-score. */
    private double[] squaredZ(double[] row) {
        double[] z = standardizer.apply(row);
        for (int j = 0; j < z.length; j++) {
            z[j] *= z[j];
        }
        return z;
    }

    private void requireFit() {
        if (standardizer == null) {
            throw new IllegalStateException("fit before score");
        }
    }
}
