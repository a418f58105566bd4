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
 * model). Training on every row instead of 80% did not change the ranking on the benchmark sets,
 * so larger sets keep the cheaper held-out slice. Each out-of-fold model saw 4/5 of the data, so
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
     * A trained, calibrated candidate and its held-out rows (for the validation gate): rows the
     * candidate never saw, or none when the calibration was cross-fitted.
     */
    public record Trained(ModelBundle bundle, double[][] heldOut) {
    }

    /**
     * @throws IllegalArgumentException with fewer than {@link #MIN_ROWS} rows
     */
    public static Trained train(FeatureSpec spec, double[][] rows, VaeConfig vae, CalibrationSettings calibration,
                                TrainingListener listener) {
        if (rows.length < MIN_ROWS) {
            throw new IllegalArgumentException("need at least " + MIN_ROWS + " rows to train and calibrate a model, got " + rows.length);
        }
        double[][] shuffled = rows.clone();
        Random random = new Random(vae.seed());
        for (int i = shuffled.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double[] t = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = t;
        }
        if (rows.length < CROSS_FIT_ROWS) {
            return crossFitted(spec, shuffled, vae, calibration, listener);
        }
        int heldOutCount = (int) Math.max(Math.round(rows.length * CALIBRATION_FRACTION), Math.min(MIN_CALIBRATION_ROWS, rows.length / 2));
        double[][] heldOut = Arrays.copyOfRange(shuffled, 0, heldOutCount);
        double[][] fit = Arrays.copyOfRange(shuffled, heldOutCount, shuffled.length);
        ModelBundle bundle = VaeTrainer.train(spec, fit, vae, listener);
        double[] scores = new double[heldOut.length];
        double[][] terms = new double[heldOut.length][];
        score(bundle, heldOut, scores, terms, 0);
        return new Trained(bundle.withCalibration(calibrate(scores, terms, calibration).toBytes()), heldOut);
    }

    private static Trained crossFitted(FeatureSpec spec, double[][] rows, VaeConfig vae, CalibrationSettings calibration,
                                       TrainingListener listener) {
        double[] scores = new double[rows.length];
        double[][] terms = new double[rows.length][];
        for (int fold = 0; fold < FOLDS; fold++) {
            int from = (int) ((long) rows.length * fold / FOLDS);
            int to = (int) ((long) rows.length * (fold + 1) / FOLDS);
            double[][] rest = new double[rows.length - (to - from)][];
            System.arraycopy(rows, 0, rest, 0, from);
            System.arraycopy(rows, to, rest, from, rows.length - to);
            ModelBundle outOfFold = VaeTrainer.train(spec, rest, vae, listener);
            score(outOfFold, Arrays.copyOfRange(rows, from, to), scores, terms, from);
        }
        ModelBundle bundle = VaeTrainer.train(spec, rows, vae, listener);
        return new Trained(bundle.withCalibration(calibrate(scores, terms, calibration).toBytes()), new double[0][]);
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
