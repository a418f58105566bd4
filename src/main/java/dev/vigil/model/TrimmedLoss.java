package dev.vigil.model;

import java.util.Arrays;

/**
 * Which training rows sit out an epoch, and the trimmed validation loss: the rules that keep
 * anomalies in contaminated training data from being learned as normal.
 *
 * <p>A row sits out when its -ELBO lies beyond Tukey's far-out fence of this epoch's training
 * losses, {@code Q3 + fenceIqr * (Q3 - Q1)}, but never more than {@code maxShare} of the rows: on
 * clean data the fence trims a few per cent (normal tails stay in), on contaminated data it trims
 * the anomalies, up to the cap. Early stopping watches the mean of the lowest
 * {@code 1 - maxShare} of the validation losses, so anomalies in the validation split, whose loss
 * rises as the model tightens around normal, do not stop training early.
 */
final class TrimmedLoss {

    private TrimmedLoss() {
    }

    /** The loss above which a row sits out: the fence, but at least the {@code 1 - maxShare} quantile. */
    static double cutoff(double[] losses, double maxShare, double fenceIqr) {
        if (losses.length == 0 || maxShare <= 0) {
            return Double.POSITIVE_INFINITY;
        }
        double[] sorted = losses.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        // The small epsilon keeps rounding from trimming one row more than the cap allows.
        double quantileCut = sorted[Math.max(0, (int) Math.floor(n * (1 - maxShare) + 1e-9) - 1)];
        double q1 = sorted[n / 4];
        double q3 = sorted[(3 * n) / 4];
        return Math.max(quantileCut, q3 + fenceIqr * (q3 - q1));
    }

    /** Indices of {@code order} whose loss is at most {@code cutoff}, in order. */
    static int[] keep(int[] order, double[] losses, double cutoff) {
        return Arrays.stream(order).filter(i -> losses[i] <= cutoff).toArray();
    }

    /** Mean of the lowest {@code 1 - share} of {@code losses} (all of them when share is 0). */
    static double lowerMean(double[] losses, double share) {
        double[] sorted = losses.clone();
        Arrays.sort(sorted);
        int keep = Math.max(1, (int) Math.floor(sorted.length * (1 - share)));
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            sum += sorted[i];
        }
        return sum / keep;
    }
}
