package dev.vigil.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Detection-quality metrics: pure functions of anomaly scores (higher = more anomalous) and 0/1
 * labels (1 = anomaly). A row is flagged at threshold {@code t} when {@code score >= t}.
 *
 * <p>Rows with equal scores are always treated as one block: a threshold can never separate them,
 * so no metric depends on the order of tied rows. A metric that is undefined (no anomalies, or no
 * normal rows) is {@code NaN}.
 */
public final class Metrics {

    private Metrics() {
    }

    /** The best point-wise F1 over all thresholds, with the threshold that reaches it. */
    public record BestF1(double f1, double threshold, double precision, double recall) {
    }

    /**
     * One labelled anomaly segment of the SMD interpretation labels.
     *
     * @param start first row, 0-based, inclusive
     * @param end   last row, 0-based, inclusive
     * @param dims  the dimensions that caused the anomaly, 0-based
     */
    public record Segment(int start, int end, int[] dims) {
        public Segment {
            if (start < 0 || end < start) {
                throw new IllegalArgumentException("bad segment rows " + start + ".." + end);
            }
            dims = dims.clone();
        }

        /**
         * Parses one line {@code start-end:d1,d2,...} whose rows and dimensions are 1-based, as in
         * the SMD {@code interpretation_label} files.
         */
        public static Segment parse(String line) {
            try {
                int colon = line.indexOf(':');
                int dash = line.indexOf('-');
                if (colon < 0 || dash < 0 || dash > colon) {
                    throw new IllegalArgumentException("expected start-end:d1,d2,...");
                }
                int start = Integer.parseInt(line.substring(0, dash).strip());
                int end = Integer.parseInt(line.substring(dash + 1, colon).strip());
                String[] parts = line.substring(colon + 1).split(",");
                int[] dims = new int[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    dims[i] = Integer.parseInt(parts[i].strip()) - 1;
                    if (dims[i] < 0) {
                        throw new IllegalArgumentException("dimensions are 1-based");
                    }
                }
                if (start < 1) {
                    throw new IllegalArgumentException("rows are 1-based");
                }
                return new Segment(start - 1, end - 1, dims);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad interpretation label '" + line + "': " + e.getMessage(), e);
            }
        }

        boolean hasDim(int dim) {
            for (int d : dims) {
                if (d == dim) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Area under the ROC curve, computed as the Mann-Whitney U statistic with average ranks for
     * tied scores: the probability that a random anomaly scores above a random normal row, ties
     * counting one half.
     */
    public static double auroc(double[] scores, int[] labels) {
        check(scores, labels);
        int[] order = ascending(scores);
        long positives = countPositives(labels);
        long negatives = labels.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        double positiveRankSum = 0;
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j < order.length && scores[order[j]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + 1 + j) / 2.0; // ranks i+1..j, 1-based
            for (int k = i; k < j; k++) {
                if (labels[order[k]] != 0) {
                    positiveRankSum += averageRank;
                }
            }
            i = j;
        }
        double u = positiveRankSum - positives * (positives + 1) / 2.0;
        return u / ((double) positives * negatives);
    }

    /**
     * Area under the precision-recall curve as <em>average precision</em>: the sum over thresholds
     * of (recall gain) x (precision at that threshold), a step function with no interpolation
     * between operating points (the definition of scikit-learn's {@code average_precision_score}).
     * A random detector scores about the anomaly share.
     */
    public static double auprc(double[] scores, int[] labels) {
        check(scores, labels);
        long positives = countPositives(labels);
        if (positives == 0) {
            return Double.NaN;
        }
        int[] order = descending(scores);
        double ap = 0;
        long tp = 0;
        long flagged = 0;
        for (int i = 0; i < order.length; ) {
            long tpBefore = tp;
            int j = i;
            while (j < order.length && scores[order[j]] == scores[order[i]]) {
                tp += labels[order[j]] != 0 ? 1 : 0;
                j++;
            }
            flagged += j - i;
            ap += (double) (tp - tpBefore) / positives * ((double) tp / flagged);
            i = j;
        }
        return Math.min(1.0, ap); // the sum can exceed 1 by a rounding error
    }

    /** The threshold (one of the scores) with the highest point-wise F1, and that F1. */
    public static BestF1 bestF1(double[] scores, int[] labels) {
        check(scores, labels);
        long positives = countPositives(labels);
        if (positives == 0) {
            return new BestF1(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        int[] order = descending(scores);
        BestF1 best = new BestF1(0, Double.POSITIVE_INFINITY, 0, 0);
        long tp = 0;
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j < order.length && scores[order[j]] == scores[order[i]]) {
                tp += labels[order[j]] != 0 ? 1 : 0;
                j++;
            }
            double f1 = 2.0 * tp / (j + positives); // 2TP / (2TP + FP + FN), with TP + FP = j
            if (f1 > best.f1()) {
                best = new BestF1(f1, scores[order[i]], (double) tp / j, (double) tp / positives);
            }
            i = j;
        }
        return best;
    }

    /** Point-wise F1 when rows scoring at least {@code threshold} are flagged. */
    public static double f1At(double[] scores, int[] labels, double threshold) {
        check(scores, labels);
        long tp = 0;
        long flagged = 0;
        long positives = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean hit = scores[i] >= threshold;
            boolean anomaly = labels[i] != 0;
            flagged += hit ? 1 : 0;
            positives += anomaly ? 1 : 0;
            tp += hit && anomaly ? 1 : 0;
        }
        if (positives == 0) {
            return Double.NaN;
        }
        return 2.0 * tp / (flagged + positives);
    }

    /** Share of label-0 rows scoring at least {@code threshold}. */
    public static double fprAt(double[] scores, int[] labels, double threshold) {
        check(scores, labels);
        long negatives = 0;
        long falseAlarms = 0;
        for (int i = 0; i < scores.length; i++) {
            if (labels[i] == 0) {
                negatives++;
                falseAlarms += scores[i] >= threshold ? 1 : 0;
            }
        }
        return negatives == 0 ? Double.NaN : (double) falseAlarms / negatives;
    }

    /**
     * Scores after point adjustment: every row of an anomalous segment (a maximal run of label-1
     * rows) gets the segment's highest score, so flagging any one row of a segment flags all of it.
     * Point-wise metrics of these scores are the "point-adjusted" metrics of the SMD literature.
     */
    public static double[] pointAdjustedScores(double[] scores, int[] labels) {
        check(scores, labels);
        double[] adjusted = scores.clone();
        for (int[] segment : labelSegments(labels)) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = segment[0]; i <= segment[1]; i++) {
                max = Math.max(max, scores[i]);
            }
            Arrays.fill(adjusted, segment[0], segment[1] + 1, max);
        }
        return adjusted;
    }

    /**
     * The best point-adjusted F1 over all thresholds. <b>Inflated</b>: one lucky row in a long
     * segment counts as the whole segment detected, so even random scores reach a high value on
     * data with long segments. Only for comparison with published tables that use this protocol.
     */
    public static BestF1 bestPointAdjustedF1(double[] scores, int[] labels) {
        return bestF1(pointAdjustedScores(scores, labels), labels);
    }

    /** Maximal runs of label-1 rows, as {@code {start, end}} with inclusive 0-based rows. */
    public static List<int[]> labelSegments(int[] labels) {
        List<int[]> segments = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0) {
                int start = i;
                while (i + 1 < labels.length && labels[i + 1] != 0) {
                    i++;
                }
                segments.add(new int[] {start, i});
            }
        }
        return segments;
    }

    /**
     * Attribution quality against interpretation labels (HitRate@k, with k the length of each
     * {@code topFeatures} row; Vigil reports k = 3). Definition:
     *
     * <ol>
     *   <li>For each labelled segment, the <em>candidate rows</em> are the rows of the segment the
     *       detector flags ({@code score >= threshold}); if it flags none, the single
     *       highest-scoring row of the segment (the first one on ties). This judges the
     *       explanation a user would see on an alert, and still judges every segment.</li>
     *   <li>A candidate row is a hit when its top-k features include at least one labelled
     *       dimension of the segment.</li>
     *   <li>A segment scores the share of its candidate rows that are hits; HitRate@k is the mean
     *       over segments (so every segment weighs the same, whatever its length).</li>
     * </ol>
     *
     * @param topFeatures for every row, its k most contributing feature indices (0-based)
     */
    public static double hitRate(List<Segment> segments, double[] scores, double threshold, int[][] topFeatures) {
        if (topFeatures.length != scores.length) {
            throw new IllegalArgumentException("topFeatures has " + topFeatures.length + " rows, scores " + scores.length);
        }
        if (segments.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        for (Segment segment : segments) {
            if (segment.end() >= scores.length) {
                throw new IllegalArgumentException("segment rows " + (segment.start() + 1) + "-" + (segment.end() + 1)
                        + " (1-based) beyond the " + scores.length + " scored rows");
            }
            int candidates = 0;
            int hits = 0;
            int top = segment.start();
            for (int i = segment.start(); i <= segment.end(); i++) {
                if (scores[i] > scores[top]) {
                    top = i;
                }
                if (scores[i] >= threshold) {
                    candidates++;
                    hits += hits(segment, topFeatures[i]) ? 1 : 0;
                }
            }
            if (candidates == 0) {
                candidates = 1;
                hits = hits(segment, topFeatures[top]) ? 1 : 0;
            }
            sum += (double) hits / candidates;
        }
        return sum / segments.size();
    }

    private static boolean hits(Segment segment, int[] top) {
        for (int f : top) {
            if (segment.hasDim(f)) {
                return true;
            }
        }
        return false;
    }

    /** Indices of the {@code k} largest values, largest first (lower index first on ties). */
    public static int[] topK(double[] values, int k) {
        int n = Math.min(k, values.length);
        int[] top = new int[n];
        boolean[] taken = new boolean[values.length];
        for (int t = 0; t < n; t++) {
            int best = -1;
            for (int i = 0; i < values.length; i++) {
                if (!taken[i] && (best < 0 || values[i] > values[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            top[t] = best;
        }
        return top;
    }

    private static void check(double[] scores, int[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores but " + labels.length + " labels");
        }
        for (double s : scores) {
            if (Double.isNaN(s)) {
                throw new IllegalArgumentException("scores must not be NaN");
            }
        }
    }

    private static long countPositives(int[] labels) {
        long n = 0;
        for (int label : labels) {
            n += label != 0 ? 1 : 0;
        }
        return n;
    }

    private static int[] ascending(double[] scores) {
        // Sorting (score, index) pairs packed in a primitive array would be faster; boxed indices
        // are plenty for the ~100k-row test sets this serves.
        return java.util.stream.IntStream.range(0, scores.length).boxed()
                .sorted((a, b) -> Double.compare(scores[a], scores[b]))
                .mapToInt(Integer::intValue).toArray();
    }

    private static int[] descending(double[] scores) {
        int[] order = ascending(scores);
        for (int i = 0, j = order.length - 1; i < j; i++, j--) {
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
