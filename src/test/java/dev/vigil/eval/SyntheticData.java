package dev.vigil.eval;

import java.util.SplittableRandom;

/**
 * Seeded synthetic data where the answer is obvious: normal rows lie near a 2-dimensional plane in
 * 6 dimensions (x = A z + small noise); an anomaly is a normal row pushed far off the plane along
 * one feature. Training is contaminated with 2% anomalies, as in the ADBench protocol. Also plain
 * Gaussian and uniform clouds, for properties a detector's paper states about them.
 */
final class SyntheticData {
    static final int FEATURES = 6;

    private SyntheticData() {
    }

    static EvalDataset dataset(long seed, int trainRows, int testNormal, int testAnomalies) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] mixing = new double[FEATURES][2];
        for (double[] row : mixing) {
            row[0] = random.nextDouble(-1, 1);
            row[1] = random.nextDouble(-1, 1);
        }
        double[][] train = new double[trainRows][];
        for (int i = 0; i < trainRows; i++) {
            train[i] = i % 50 == 0 ? anomaly(random, mixing) : normal(random, mixing);
        }
        int n = testNormal + testAnomalies;
        double[][] test = new double[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            // Anomalies spread evenly through the test stream.
            labels[i] = (long) (i + 1) * testAnomalies / n > (long) i * testAnomalies / n ? 1 : 0;
            test[i] = labels[i] == 1 ? anomaly(random, mixing) : normal(random, mixing);
        }
        return new EvalDataset("synthetic", train, test, labels, null);
    }

    /** {@code rows} independent standard Gaussian rows of {@code features} features: one cluster, no anomalies. */
    static double[][] gaussianCluster(long seed, int rows, int features) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[rows][features];
        for (double[] row : x) {
            for (int j = 0; j < features; j++) {
                row[j] = gaussian(random);
            }
        }
        return x;
    }

    /** {@code rows} rows uniform on the unit cube of {@code features} dimensions: nothing stands out. */
    static double[][] uniformCube(long seed, int rows, int features) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[rows][features];
        for (double[] row : x) {
            for (int j = 0; j < features; j++) {
                row[j] = random.nextDouble();
            }
        }
        return x;
    }

    private static double[] normal(SplittableRandom random, double[][] mixing) {
        double z0 = gaussian(random);
        double z1 = gaussian(random);
        double[] x = new double[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            x[j] = mixing[j][0] * z0 + mixing[j][1] * z1 + 0.05 * gaussian(random);
        }
        return x;
    }

    private static double[] anomaly(SplittableRandom random, double[][] mixing) {
        double[] x = normal(random, mixing);
        x[random.nextInt(FEATURES)] += random.nextBoolean() ? 1.5 : -1.5;
        return x;
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
