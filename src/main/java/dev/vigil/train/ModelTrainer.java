package dev.vigil.train;

import dev.vigil.calibration.Calibration;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.RecordScore;
import dev.vigil.model.ScoreBatch;
import dev.vigil.model.TrainingListener;
import dev.vigil.model.VaeConfig;
import dev.vigil.model.VaeScorer;
import dev.vigil.model.VaeTrainer;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Trains a model ready to serve: the VAE, then its calibration on scores of rows the scoring model
 * never saw (scores of training rows are optimistically low and would set the threshold too low).
 * Used by {@code vigil train}, {@code vigil evaluate}, the demo's warm-up and the rolling-window
 * retraining.
 *
 * <p>From {@value #CROSS_FIT_ROWS} rows on, a random slice is held out: a fifth, or 500 rows, but
 * at most half; the VAE fits the rest and the held-out scores calibrate it (and the service's
 * validation gate compares models on them). Below that there are too few rows for both, so the
 * calibration is <em>cross-fitted</em> instead: {@value #FOLDS} models, each trained without one
 * fold, score that fold, and the served model is trained on every row (six trainings of a small
 * model). Rows marked not trainable are never fitted, only held out or scored out of fold.
 * Training on every row instead of 80% did not change the ranking on the benchmark sets, so
 * larger sets keep the cheaper held-out slice. Each out-of-fold model saw 4/5 of the data, so
 * its scores run a little high and the threshold errs towards fewer false alarms. Fewer than
 * {@value #MIN_ROWS} rows cannot be calibrated.
 */
public final class ModelTrainer {

    /** Fewest rows {@link #train} accepts. */
    public static final int MIN_ROWS = 100;

    /** Below this many rows the calibration is cross-fitted instead of held out. */
    public static final int CROSS_FIT_ROWS = 600;

    /** Folds of the cross-fitted calibration. */
    static final int FOLDS = 5;

    /** Share of the rows held out for calibration. */
    public static final double CALIBRATION_FRACTION = 0.2;

    /** Fewest held-out rows for a calibration, when the data has twice as many. */
    static final int MIN_CALIBRATION_ROWS = 500;

    private ModelTrainer() {
    }

    /**
     * A trained, calibrated candidate and its held-out trainable rows (for the validation gate):
     * rows the candidate never saw; none when {@code crossFitted}, as every row was fitted.
     */
    public record Trained(ModelBundle bundle, double[][] heldOut, boolean crossFitted) {
    }

    /**
     * @throws IllegalArgumentException with fewer than {@link #MIN_ROWS} rows
     */
    public static Trained train(FeatureSpec spec, double[][] rows, VaeConfig vae, CalibrationSettings calibration,
                                TrainingListener listener) {
        return train(spec, rows, null, vae, calibration, listener);
    }

    /**
     * As {@link #train(FeatureSpec, double[][], VaeConfig, CalibrationSettings, TrainingListener)},
     * where only the rows marked {@code trainable} are fitted, and any row may be held out to
     * calibrate. The service's window keeps the records it judged normal, but only just, for the
     * calibration alone: a calibration without them misses the tail the threshold lies in and sets
     * it too low, and training on them would teach the model records it nearly flagged.
     *
     * @param trainable per row, whether the VAE may fit it; null: every row
     * @throws IllegalArgumentException with fewer than {@link #MIN_ROWS} rows, or fewer than
     *                                  {@link #MIN_ROWS} trainable ones
     */
    public static Trained train(FeatureSpec spec, double[][] rows, boolean[] trainable, VaeConfig vae,
                                CalibrationSettings calibration, TrainingListener listener) {
        if (trainable != null && trainable.length != rows.length) {
            throw new IllegalArgumentException("trainable has " + trainable.length + " flags for " + rows.length + " rows");
        }
        if (rows.length < MIN_ROWS) {
            throw new IllegalArgumentException("need at least " + MIN_ROWS + " rows to train and calibrate a model, got " + rows.length);
        }
        long trainableCount = trainable == null ? rows.length : IntStream.range(0, rows.length).filter(i -> trainable[i]).count();
        if (trainableCount < MIN_ROWS) {
            throw new IllegalArgumentException("need at least " + MIN_ROWS + " trainable rows to train a model, got " + trainableCount);
        }
        // Shuffled as indices, so that each row keeps its flag; the same seed gives the same order as before.
        int[] order = IntStream.range(0, rows.length).toArray();
        Random random = new Random(vae.seed());
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double[][] shuffled = Arrays.stream(order).mapToObj(i -> rows[i]).toArray(double[][]::new);
        boolean[] fits = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            fits[i] = trainable == null || trainable[order[i]];
        }
        if (rows.length < CROSS_FIT_ROWS) {
            return crossFitted(spec, shuffled, fits, vae, calibration, listener);
        }
        int heldOutCount = (int) Math.max(Math.round(rows.length * CALIBRATION_FRACTION), Math.min(MIN_CALIBRATION_ROWS, rows.length / 2));
        double[][] heldOut = Arrays.copyOfRange(shuffled, 0, heldOutCount);
        double[][] fit = fitted(shuffled, fits, i -> i >= heldOutCount);
        ModelBundle bundle = VaeTrainer.train(spec, fit, vae, listener);
        double[] scores = new double[heldOut.length];
        double[][] terms = new double[heldOut.length][];
        score(bundle, heldOut, scores, terms, 0);
        // The gate compares models on how they fit normal records: the calibration-only tail would sway a mean.
        return new Trained(bundle.withCalibration(calibrate(scores, terms, calibration).toBytes()),
                fitted(shuffled, fits, i -> i < heldOutCount), false);
    }

    private static Trained crossFitted(FeatureSpec spec, double[][] rows, boolean[] fits, VaeConfig vae,
                                       CalibrationSettings calibration, TrainingListener listener) {
        double[] scores = new double[rows.length];
        double[][] terms = new double[rows.length][];
        for (int fold = 0; fold < FOLDS; fold++) {
            int from = (int) ((long) rows.length * fold / FOLDS);
            int to = (int) ((long) rows.length * (fold + 1) / FOLDS);
            ModelBundle outOfFold = VaeTrainer.train(spec, fitted(rows, fits, i -> i < from || i >= to), vae, listener);
            score(outOfFold, Arrays.copyOfRange(rows, from, to), scores, terms, from);
        }
        ModelBundle bundle = VaeTrainer.train(spec, fitted(rows, fits, i -> true), vae, listener);
        return new Trained(bundle.withCalibration(calibrate(scores, terms, calibration).toBytes()), new double[0][], true);
    }

    /** The rows that may be fitted among those whose index is {@code in}, in order. */
    private static double[][] fitted(double[][] rows, boolean[] fits, IntPredicate in) {
        return IntStream.range(0, rows.length).filter(i -> fits[i] && in.test(i)).mapToObj(i -> rows[i]).toArray(double[][]::new);
    }

    /** Writes the scores and per-feature terms of {@code rows} by {@code bundle} from index {@code offset}. */
    private static void score(ModelBundle bundle, double[][] rows, double[] scores, double[][] terms, int offset) {
        try (VaeScorer scorer = VaeScorer.open(bundle)) {
            ScoreBatch batch = scorer.score(rows);
            for (int i = 0; i < rows.length; i++) {
                RecordScore r = batch.get(i);
                scores[offset + i] = r.score();
                terms[offset + i] = r.featureTermsMissingAsNaN();
            }
        }
    }

    private static Calibration calibrate(double[] scores, double[][] terms, CalibrationSettings calibration) {
        // With few calibration rows, start the tail lower so that it still has enough excesses to fit.
        double tailQuantile = Math.min(calibration.tailQuantile(), 1.0 - 25.0 / scores.length);
        return Calibration.fit(scores, terms, calibration.withTailQuantile(Math.max(0.9, tailQuantile)));
    }
}
