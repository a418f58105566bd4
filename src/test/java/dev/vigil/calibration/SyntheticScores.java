package dev.vigil.calibration;

import java.util.SplittableRandom;

/** Seeded score distributions with known shapes of tail, cheap enough to draw millions of samples. */
enum SyntheticScores {
    /** Light tail: the GPD limit is xi = 0, approached slowly. */
    NORMAL {
        @Override
        double sample(SplittableRandom random) {
            return random.nextGaussian();
        }
    },
    /** Light tail, exactly exponential excesses (xi = 0). */
    EXPONENTIAL {
        @Override
        double sample(SplittableRandom random) {
            return -Math.log(1 - random.nextDouble());
        }
    },
    /** Subexponential: xi = 0 in the limit but looks heavy at any practical threshold. */
    LOGNORMAL {
        @Override
        double sample(SplittableRandom random) {
            return Math.exp(random.nextGaussian());
        }
    },
    /** Heavy tail, xi = 1/3 (Student t with 3 degrees of freedom). */
    STUDENT_T3 {
        @Override
        double sample(SplittableRandom random) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            double c = random.nextGaussian();
            return random.nextGaussian() / Math.sqrt((a * a + b * b + c * c) / 3);
        }
    },
    /** Heavy tail, xi = 1/2 (Pareto with tail index 2, minimum 1). */
    PARETO {
        @Override
        double sample(SplittableRandom random) {
            return 1 / Math.sqrt(1 - random.nextDouble());
        }
    };

    abstract double sample(SplittableRandom random);

    double[] samples(SplittableRandom random, int n) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = sample(random);
        }
        return values;
    }
}
