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
import java.util.Random;

/**
 * Trains a model ready to serve: the VAE on most of the data, then the calibration on a held-out
 * slice it never saw (scores of training rows are optimistically low and would set the threshold
 * too low). Used by {@code vigil train}, the demo's warm-up and the rolling-window retraining.
 */
public final class ModelTrainer {

    /** Share of the rows held out for calibration. */
    public static final double CALIBRATION_FRACTION = 0.2;

    /** Fewest held-out rows for a calibration; smaller data sets hold out a larger share. */
    static final int MIN_CALIBRATION_ROWS = 500;

    private ModelTrainer() {
    }

    /** A trained, calibrated candidate and its held-out rows (for the validation gate). */
    public record Trained(ModelBundle bundle, double[][] heldOut) {
    }

    public static Trained train(FeatureSpec spec, double[][] rows, VaeConfig vae, CalibrationSettings calibration,
                                TrainingListener listener) {
        int heldOutCount = (int) Math.max(Math.round(rows.length * CALIBRATION_FRACTION), Math.min(MIN_CALIBRATION_ROWS, rows.length / 2));
        if (rows.length - heldOutCount < 100) {
            throw new IllegalArgumentException("need at least " + (100 + MIN_CALIBRATION_ROWS) + " rows to train and calibrate, got " + rows.length);
        }
        double[][] shuffled = rows.clone();
        Random random = new Random(vae.seed());
        for (int i = shuffled.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double[] t = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = t;
        }
        double[][] heldOut = java.util.Arrays.copyOfRange(shuffled, 0, heldOutCount);
        double[][] fit = java.util.Arrays.copyOfRange(shuffled, heldOutCount, shuffled.length);

        ModelBundle bundle = VaeTrainer.train(spec, fit, vae, listener);
        double[] scores = new double[heldOut.length];
        double[][] terms = new double[heldOut.length][];
        try (VaeScorer scorer = VaeScorer.open(bundle)) {
            ScoreBatch batch = scorer.score(heldOut);
            for (int i = 0; i < heldOut.length; i++) {
                RecordScore r = batch.get(i);
                scores[i] = r.score();
                terms[i] = r.featureTermsMissingAsNaN();
            }
        }
        // With few held-out rows, start the tail lower so that it still has enough excesses to fit.
        double tailQuantile = Math.min(calibration.tailQuantile(), 1.0 - 25.0 / heldOut.length);
        Calibration fitted = Calibration.fit(scores, terms, calibration.withTailQuantile(Math.max(0.9, tailQuantile)));
        return new Trained(bundle.withCalibration(fitted.toBytes()), heldOut);
    }
}
