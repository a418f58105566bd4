package dev.vigil.calibration;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The realized false-positive rate of calibrated thresholds on fresh samples from known light- and
 * heavy-tailed distributions, over 20 seeds: the median must be within [0.67x, 1.5x] of the target
 * and at least 18 of the 20 within [0.5x, 2x].
 */
@Tag("functional")
class CalibrationAccuracyTest {

    private static final Logger LOG = LoggerFactory.getLogger(CalibrationAccuracyTest.class);

    private static final int SEEDS = 20;
    private static final int FRESH = 1_000_000;
    private static final double[] TARGETS = {1e-2, 1e-3, 1e-4};
    /** 1e-2 and 1e-3 calibrate on 5,000 scores; 1e-4 on 50,000 (the first 5,000 are shared). */
    private static final int[] CALIBRATION_SIZES = {5_000, 5_000, 50_000};

    @ParameterizedTest
    @EnumSource(SyntheticScores.class)
    void shouldRealizeTheTargetFalsePositiveRate(SyntheticScores distribution) {
        double[][] realized = new double[TARGETS.length][SEEDS];
        for (int seed = 0; seed < SEEDS; seed++) {
            SplittableRandom random = new SplittableRandom(1000L * distribution.ordinal() + seed);
            double[] heldOut = distribution.samples(random, CALIBRATION_SIZES[2]);
            double[] thresholds = new double[TARGETS.length];
            for (int k = 0; k < TARGETS.length; k++) {
                double[] scores = Arrays.copyOf(heldOut, CALIBRATION_SIZES[k]);
                thresholds[k] = Calibration.fit(scores, null, CalibrationSettings.defaults().withTargetFpr(TARGETS[k])).threshold();
            }
            long[] above = new long[TARGETS.length];
            for (int i = 0; i < FRESH; i++) {
                double x = distribution.sample(random);
                for (int k = 0; k < TARGETS.length; k++) {
                    if (x > thresholds[k]) {
                        above[k]++;
                    }
                }
            }
            for (int k = 0; k < TARGETS.length; k++) {
                realized[k][seed] = (double) above[k] / FRESH;
            }
        }

        StringBuilder failures = new StringBuilder();
        for (int k = 0; k < TARGETS.length; k++) {
            double target = TARGETS[k];
            double[] ratios = Arrays.stream(realized[k]).map(r -> r / target).sorted().toArray();
            double median = (ratios[SEEDS / 2 - 1] + ratios[SEEDS / 2]) / 2;
            long within = Arrays.stream(ratios).filter(r -> r >= 0.5 && r <= 2).count();
            String line = String.format(Locale.ROOT, "%-12s target %.0e (n=%d): realized/target median %.3f, min %.3f, max %.3f, %d/%d within [0.5, 2]",
                    distribution, target, CALIBRATION_SIZES[k], median, ratios[0], ratios[SEEDS - 1], within, SEEDS);
            LOG.info(line);
            if (median < 0.67 || median > 1.5 || within < 18) {
                failures.append(line).append('\n');
            }
        }
        assertThat(failures.toString()).as("realized false-positive rates out of bounds").isEmpty();
    }
}
