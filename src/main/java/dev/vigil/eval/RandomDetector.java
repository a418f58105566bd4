package dev.vigil.eval;

import java.util.SplittableRandom;

/**
 * Uniform random scores, ignoring the data: the sanity floor (AUROC about 0.5, AUPRC about the
 * anomaly share). Seeded: every {@link #score} call with the same seed returns the same scores.
 */
public final class RandomDetector implements Detector {

    private final long seed;

    public RandomDetector(long seed) {
        this.seed = seed;
    }

    @Override
    public String name() {
        return "random";
    }

    @Override
    public void fit(double[][] train) {
        // Nothing to learn.
    }

    @Override
    public double[] score(double[][] test) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] scores = new double[test.length];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = random.nextDouble();
        }
        return scores;
    }
}
