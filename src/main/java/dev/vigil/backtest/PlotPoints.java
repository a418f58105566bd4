package dev.vigil.backtest;

import dev.vigil.backtest.BacktestResult.Point;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The points a report's chart draws, at most {@link #MAX_POINTS} of them whatever the length of the
 * backtest, so that a replay of millions of records still writes a page a browser opens at once.
 *
 * <p>Up to the bound every point is drawn. Beyond it, event time is cut into equal buckets and each
 * bucket keeps its highest-scoring record (with the threshold that record was judged against), so
 * spikes survive and the line is the upper envelope of the scores; a bucket with no scored record
 * keeps one unscored record, which the chart draws as a gap. Every anomaly is kept as well, since they
 * are what a reader looks for; only when anomalies alone would take more than half the bound are
 * they bucketed the same way (the highest per bucket).
 *
 * @param points          the points to draw, in event-time order
 * @param input           the points there were
 * @param buckets         time buckets of the score line, 0 when every point is drawn
 * @param anomalies       anomalies among the input
 * @param anomaliesKept   anomalies among {@code points}
 */
record PlotPoints(List<Point> points, int input, int buckets, long anomalies, long anomaliesKept) {

    /** At most this many points are embedded in a report: ~1 MB of JSON, drawn in well under a second. */
    static final int MAX_POINTS = 20_000;

    /** Whether points were left out. */
    boolean reduced() {
        return points.size() < input;
    }

    /** {@code points}, reduced to at most {@link #MAX_POINTS}. */
    static PlotPoints of(List<Point> points) {
        return of(points, MAX_POINTS);
    }

    /** {@code points}, reduced to at most {@code max}. */
    static PlotPoints of(List<Point> points, int max) {
        if (max < 2) {
            throw new IllegalArgumentException("max must be at least 2, got " + max);
        }
        int n = points.size();
        long anomalies = points.stream().filter(Point::anomaly).count();
        if (n <= max) {
            return new PlotPoints(List.copyOf(points), n, 0, anomalies, anomalies);
        }
        int[] anomalyIndexes = new int[(int) anomalies];
        int[] allIndexes = new int[n];
        for (int i = 0, a = 0; i < n; i++) {
            allIndexes[i] = i;
            if (points.get(i).anomaly()) {
                anomalyIndexes[a++] = i;
            }
        }
        boolean[] keep = new boolean[n];
        int anomalyBudget = max / 2;
        int kept = anomalies <= anomalyBudget
                ? mark(anomalyIndexes, keep)
                : mark(highestPerBucket(points, anomalyIndexes, anomalyBudget), keep);
        int buckets = max - kept;
        mark(highestPerBucket(points, allIndexes, buckets), keep);
        List<Point> drawn = new ArrayList<>();
        long anomaliesKept = 0;
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                drawn.add(points.get(i));
                anomaliesKept += points.get(i).anomaly() ? 1 : 0;
            }
        }
        // The result promises event-time order; a stable sort costs nothing at this size and guards the chart,
        // whose x values must not go backwards.
        drawn.sort(Comparator.comparingLong(Point::eventTime));
        return new PlotPoints(List.copyOf(drawn), n, buckets, anomalies, anomaliesKept);
    }

    private static int mark(int[] indexes, boolean[] keep) {
        int marked = 0;
        for (int i : indexes) {
            if (!keep[i]) {
                keep[i] = true;
                marked++;
            }
        }
        return marked;
    }

    /**
     * Of {@code indexes} into {@code points}, the highest-scoring one in each of {@code buckets} equal
     * spans of event time (an unscored one when a bucket holds no score), in index order.
     */
    private static int[] highestPerBucket(List<Point> points, int[] indexes, int buckets) {
        if (indexes.length == 0) {
            return indexes;
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int i : indexes) {
            first = Math.min(first, points.get(i).eventTime());
            last = Math.max(last, points.get(i).eventTime());
        }
        // In double: (t - first) * buckets overflows a long for long spans of event time.
        double perMs = buckets / (double) (last - first + 1);
        int[] best = new int[buckets];
        Arrays.fill(best, -1);
        for (int i : indexes) {
            int b = Math.min(buckets - 1, (int) ((points.get(i).eventTime() - first) * perMs));
            if (best[b] < 0 || higher(points.get(i), points.get(best[b]))) {
                best[b] = i;
            }
        }
        return Arrays.stream(best).filter(i -> i >= 0).sorted().toArray();
    }

    /** Whether {@code a} outranks {@code b}: any score beats none (NaN), then the higher score. */
    private static boolean higher(Point a, Point b) {
        boolean aScored = Double.isFinite(a.score());
        boolean bScored = Double.isFinite(b.score());
        return aScored && (!bScored || a.score() > b.score());
    }
}
