package dev.vigil.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrimmedLossTest {

    private static double[] normalLosses(int n, long seed) {
        Random random = new Random(seed);
        double[] losses = new double[n];
        for (int i = 0; i < n; i++) {
            losses[i] = 20 + 3 * random.nextGaussian();
        }
        return losses;
    }

    private static long above(double[] losses, double cutoff) {
        return Arrays.stream(losses).filter(l -> l > cutoff).count();
    }

    @Test
    void shouldKeepEveryRowOfCleanGaussianLosses() {
        double[] losses = normalLosses(10_000, 1);

        double cutoff = TrimmedLoss.cutoff(losses, 0.25, 3.0);

        // Tukey's far-out fence lies 4.7 standard deviations above the mean of a Gaussian.
        assertThat(above(losses, cutoff)).isLessThanOrEqualTo(2);
    }

    @Test
    void shouldLeaveOutContaminationFarAboveTheRest() {
        double[] losses = Arrays.copyOf(normalLosses(9_000, 2), 10_000);
        Arrays.fill(losses, 9_000, 10_000, 80.0);

        double cutoff = TrimmedLoss.cutoff(losses, 0.25, 3.0);

        assertThat(cutoff).isLessThan(80.0);
        assertThat(above(losses, cutoff)).isBetween(1_000L, 1_005L);
    }

    @Test
    void shouldNeverLeaveOutMoreThanTheMaximumShare() {
        double[] losses = new double[100];
        for (int i = 0; i < losses.length; i++) {
            losses[i] = i < 50 ? 1 : 1_000 + i;
        }

        // Half the rows are far out, and a zero fence would drop everything above the upper quartile.
        double cutoff = TrimmedLoss.cutoff(losses, 0.25, 0.0);

        assertThat(above(losses, cutoff)).isBetween(20L, 25L);
    }

    @Test
    void shouldTrimNothingWithAZeroShare() {
        assertThat(TrimmedLoss.cutoff(new double[] {1, 2, 1_000}, 0, 3.0)).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void shouldKeepTheOrderOfTheRowsItKeeps() {
        double[] losses = {5, 100, 1, 7};

        assertThat(TrimmedLoss.keep(new int[] {3, 1, 0, 2}, losses, 10)).containsExactly(3, 0, 2);
    }

    @Test
    void shouldAverageTheLowerShareOfTheLosses() {
        double[] losses = {4, 1, 3, 2, 100, 200, 6, 5};

        assertThat(TrimmedLoss.lowerMean(losses, 0.25)).isEqualTo(3.5);
        assertThat(TrimmedLoss.lowerMean(losses, 0)).isEqualTo(40.125);
    }
}
