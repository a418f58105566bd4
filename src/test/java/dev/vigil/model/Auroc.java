package dev.vigil.model;

/** Area under the ROC curve by the rank statistic: P(score of a positive > score of a negative), ties counted half. */
final class Auroc {

    private Auroc() {
    }

    static double of(double[] negatives, double[] positives) {
        double[] neg = negatives.clone();
        java.util.Arrays.sort(neg);
        double wins = 0;
        for (double p : positives) {
            int below = lowerBound(neg, p);
            int notAbove = lowerBound(neg, Math.nextUp(p));
            wins += below + 0.5 * (notAbove - below);
        }
        return wins / ((double) negatives.length * positives.length);
    }

    private static int lowerBound(double[] sorted, double value) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
