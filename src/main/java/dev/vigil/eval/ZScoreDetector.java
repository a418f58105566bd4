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
        Standardizer.dimensions(train);
        standardizer = Standardizer.fit(train);
    }

    @Override
    public double[] score(double[][] test) {
        if (standardizer == null) {
            throw new IllegalStateException("fit before score");
        }
        double[] scores = new double[test.length];
        for (int i = 0; i < test.length; i++) {
            double sum = 0;
            for (double z : standardizer.apply(test[i])) {
                sum += z * z;
            }
            scores[i] = sum;
        }
        return scores;
    }

    @Override
    public int[][] topFeatures(double[][] test, int k) {
        if (standardizer == null) {
            throw new IllegalStateException("fit before topFeatures");
        }
        int[][] top = new int[test.length][];
        for (int i = 0; i < test.length; i++) {
            double[] z = standardizer.apply(test[i]);
            top[i] = java.util.stream.IntStream.range(0, z.length).boxed()
                    .sorted((a, b) -> Double.compare(Math.abs(z[b]), Math.abs(z[a])))
                    .limit(k).mapToInt(Integer::intValue).toArray();
        }
        return top;
    }
}
