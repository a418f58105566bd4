package dev.vigil.backtest;

import dev.vigil.backtest.BacktestResult.Point;
import java.util.Arrays;
import java.util.List;

/**
 * The y axis of a report's chart: an arcsinh scale ({@code asinh(score / linear)}, uPlot's {@code distr: 4}),
 * and the range it shows.
 *
 * <p>Why arcsinh: scores are -ELBO in nats. Normal records score a few to a few tens of nats, either
 * side of zero; thresholds sit at tens; anomalies reach thousands, and a model whose variance collapsed
 * billions. A linear axis flattens the bulk and the threshold into one line under the largest spike,
 * and a log axis cannot show zero or the negative scores. arcsinh is linear within {@code ±linear} and
 * logarithmic beyond, in both directions, so the bulk, the threshold and the spikes all stay readable.
 * {@code linear} is the power of ten at or below the typical threshold, so the ticks fall on round
 * numbers and the threshold sits where the scale turns logarithmic.
 *
 * <p>The range is clipped at {@code ±ceiling}, two to three decades above the highest threshold: every
 * decade of spike shown squeezes the bulk, and a score a thousand times the threshold says all it can
 * as "far above". Scores beyond it are drawn on the edge; the page says so, and tables and tooltips
 * give their values.
 *
 * @param linear  half-width of the linear part, a power of ten
 * @param min     lowest value shown
 * @param max     highest value shown
 * @param ceiling the clip, {@code min >= -ceiling} and {@code max <= ceiling}
 * @param clipped whether some score or threshold lies beyond the range shown
 */
record ScoreAxis(double linear, double min, double max, double ceiling, boolean clipped) {

    /** The axis for these points (scores and thresholds; NaN ones are left out). */
    static ScoreAxis of(List<Point> points) {
        double[] thresholds = points.stream().mapToDouble(Point::threshold).filter(Double::isFinite).toArray();
        double[] scores = points.stream().mapToDouble(Point::score).filter(Double::isFinite).toArray();
        double typical = medianAbs(thresholds.length > 0 ? thresholds : scores);
        double linear = typical > 0 && Double.isFinite(typical) ? Math.pow(10, Math.floor(Math.log10(typical))) : 1;
        double highestThreshold = Arrays.stream(thresholds).map(Math::abs).max().orElse(linear);
        double ceiling = Math.pow(10, Math.ceil(Math.log10(Math.max(highestThreshold, linear))) + 2);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] values : new double[][] {scores, thresholds}) {
            for (double v : values) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo > hi) {
            return new ScoreAxis(linear, -linear, linear, ceiling, false);
        }
        boolean clipped = lo < -ceiling || hi > ceiling;
        return new ScoreAxis(linear, Math.max(lo, -ceiling), Math.min(hi, ceiling), ceiling, clipped);
    }

    private static double medianAbs(double[] values) {
        if (values.length == 0) {
            return 1;
        }
        double[] abs = Arrays.stream(values).map(Math::abs).sorted().toArray();
        return abs[abs.length / 2];
    }
}
