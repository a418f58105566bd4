package dev.vigil.eval;

import com.amazon.randomcutforest.RandomCutForest;

/**
 * Random Cut Forest ({@code randomcutforest-core}, the detector behind OpenSearch and Kinesis
 * anomaly detection) used as it is meant to be: streaming. {@link #fit} feeds the training rows
 * into a fresh forest (50 trees, sample size 256, seeded); {@link #score} scores each test row and
 * then updates the forest with it, in order. Scores are RCF's anomaly scores (about 1 for typical
 * points, higher for anomalies).
 *
 * <p>Attribution is not offered: RCF attributes a point against the forest state at the time it
 * was scored, which is gone once the stream has moved on.
 */
public final class RcfDetector implements Detector {

    public static final int TREES = 50;
    public static final int SAMPLE_SIZE = 256;

    private final long seed;
    private RandomCutForest forest;

    public RcfDetector(long seed) {
        this.seed = seed;
    }

    @Override
    public String name() {
        return "rcf";
    }

    @Override
    public void fit(double[][] train) {
        int d = Standardizer.dimensions(train);
        forest = RandomCutForest.builder()
                .dimensions(d)
                .numberOfTrees(TREES)
                .sampleSize(SAMPLE_SIZE)
                .randomSeed(seed)
                .build();
        for (double[] row : train) {
            forest.update(row);
        }
    }

    @Override
    public double[] score(double[][] test) {
        if (forest == null) {
            throw new IllegalStateException("fit before score");
        }
        double[] scores = new double[test.length];
        for (int i = 0; i < test.length; i++) {
            scores[i] = forest.getAnomalyScore(test[i]);
            forest.update(test[i]);
        }
        return scores;
    }
}
