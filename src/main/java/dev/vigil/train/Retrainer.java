package dev.vigil.train;

import dev.vigil.calibration.AlertPolicy;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.ScoreBatch;
import dev.vigil.model.TrainingListener;
import dev.vigil.model.TrainingInfo;
import dev.vigil.model.VaeConfig;
import dev.vigil.model.VaeScorer;
import dev.vigil.score.VaeBatchScorer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One retraining: trains and calibrates a candidate on the window, then the validation gate.
 * The candidate is promoted only when (1) its mean -ELBO on the trainable rows of its held-out
 * slice is at most {@code tolerance} nats worse than the current model's on the same rows (skipped
 * for a window under {@link ModelTrainer#CROSS_FIT_ROWS} records, whose calibration is
 * cross-fitted and leaves no slice the candidate has not seen, or when that slice has no trainable
 * row), and (2) it would flag
 * at most {@code maxAlertRate} of the window's most recent records. Runs off the stream thread;
 * never throws: a failure is an outcome, and the current model stays. A retraining uses at most
 * {@code cpuShare} of one core ({@link CpuShare}), so scoring keeps most of a small machine; the
 * first model trains at full speed, since there is no scoring to protect yet, and so does a
 * retraining after a shift, when false alarms cost more than slower scoring.
 *
 * <p>The first model (cold start) learns from records nobody has judged yet, anomalies included,
 * and a few far-out scores in its calibration slice can throw its tail fit far up. So it is
 * trained twice: the second time without the records the first fit finds ten times rarer than
 * the target rate. Not fewer: cutting at the target (or at the admission margin) would cut the
 * very tail the calibration has to see, and set the threshold too low.
 */
public final class Retrainer {

    private static final Logger LOG = LoggerFactory.getLogger(Retrainer.class);

    public enum Result {
        PROMOTED, REJECTED, FAILED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What came of one retraining; {@code bundle} is set only when promoted. */
    public record Outcome(Result result, ModelBundle bundle, String reason, double seconds, double trainLoss,
                          double validationLoss) {
    }

    private final FeatureSpec spec;
    private final VaeConfig vae;
    private final CalibrationSettings calibration;
    private final AlertPolicy policy;
    private final double tolerance;
    private final double maxAlertRate;
    private final double cpuShare;

    public Retrainer(FeatureSpec spec, VaeConfig vae, CalibrationSettings calibration, AlertPolicy policy,
                     double tolerance, double maxAlertRate, double cpuShare) {
        this.spec = spec;
        this.vae = vae;
        this.calibration = calibration;
        this.policy = policy;
        this.tolerance = tolerance;
        this.maxAlertRate = maxAlertRate;
        this.cpuShare = cpuShare;
    }

    /** A routine retraining (paced to {@code cpuShare}) on every record, or the first model when {@code current} is null. */
    public Outcome run(double[][] window, ModelBundle current) {
        return run(window, null, current, false);
    }

    /** The false-positive rate its candidates are calibrated for. */
    public double targetFpr() {
        return calibration.targetFpr();
    }

    /**
     * @param window    the window's records, oldest first
     * @param trainable per record, whether the model may be trained on it (the others calibrate
     *                  only), or null for every record
     * @param current   the model now serving, or null at cold start
     * @param urgent    train at full speed: after a shift most records are false alarms until the new
     *                  model serves, which costs users more than slower scoring does
     */
    public Outcome run(double[][] window, boolean[] trainable, ModelBundle current, boolean urgent) {
        long start = System.nanoTime();
        try {
            // Unpaced runs still go through a CpuShare of 1: it stops any run at its next step once interrupted.
            TrainingListener pacing = new CpuShare(current == null || urgent ? 1.0 : cpuShare);
            ModelTrainer.Trained trained = ModelTrainer.train(spec, window, trainable, vae, calibration, pacing);
            if (current == null) {
                int[] kept = withoutClearAnomalies(trained.bundle(), window);
                LOG.info("Cold start: the first fit finds {} of {} window records far beyond its threshold; training again without them",
                        window.length - kept.length, window.length);
                double[][] all = window;
                window = java.util.Arrays.stream(kept).mapToObj(i -> all[i]).toArray(double[][]::new);
                if (trainable != null) {
                    boolean[] flags = new boolean[kept.length];
                    for (int i = 0; i < kept.length; i++) {
                        flags[i] = trainable[kept[i]];
                    }
                    trainable = flags;
                }
                trained = ModelTrainer.train(spec, window, trainable, vae, calibration, new CpuShare(1.0));
            }
            CpuShare.stopIfInterrupted(); // before the gate's scoring, which has no steps to stop at
            ModelBundle candidate = trained.bundle();
            TrainingInfo info = candidate.training();
            double trainLoss = last(info.trainLoss());
            double validationLoss = last(info.validationLoss());
            // A cross-fitted calibration (small windows) leaves no slice the candidate has not seen.
            boolean heldOut = !trained.crossFitted() && trained.heldOut().length > 0;
            double candidateLoss = heldOut ? meanScore(candidate, trained.heldOut()) : Double.NaN;
            double[][] recent = java.util.Arrays.copyOfRange(window, window.length - Math.max(1, window.length / 10), window.length);
            double alertRate;
            try (VaeBatchScorer scorer = VaeBatchScorer.open(candidate, policy)) {
                var scored = scorer.score(recent);
                long flagged = java.util.stream.IntStream.range(0, recent.length).filter(scored::anomaly).count();
                alertRate = (double) flagged / recent.length;
            }
            if (alertRate > maxAlertRate) {
                return new Outcome(Result.REJECTED, null, String.format(
                        "it would flag %.2f%% of recent records (bound %.2f%%)", 100 * alertRate, 100 * maxAlertRate),
                        seconds(start), trainLoss, validationLoss);
            }
            if (current != null && !heldOut) {
                String why = trained.crossFitted() ? String.format("under %d records", ModelTrainer.CROSS_FIT_ROWS)
                        : "no trainable row held out";
                return new Outcome(Result.PROMOTED, candidate, String.format(
                        "flags %.2f%% of recent records (%s: no held-out comparison)", 100 * alertRate, why),
                        seconds(start), trainLoss, validationLoss);
            }
            if (current != null) {
                double currentLoss = meanScore(current, trained.heldOut());
                if (candidateLoss > currentLoss + tolerance) {
                    return new Outcome(Result.REJECTED, null, String.format(
                            "held-out -ELBO %.3f nats is worse than the current model's %.3f by more than %.3f",
                            candidateLoss, currentLoss, tolerance), seconds(start), trainLoss, validationLoss);
                }
                return new Outcome(Result.PROMOTED, candidate, String.format(
                        "held-out -ELBO %.3f nats (current %.3f), flags %.2f%% of recent records",
                        candidateLoss, currentLoss, 100 * alertRate), seconds(start), trainLoss, validationLoss);
            }
            String loss = heldOut ? String.format("held-out -ELBO %.3f nats, ", candidateLoss) : "";
            return new Outcome(Result.PROMOTED, candidate, String.format(
                    "first model: %sflags %.2f%% of recent records", loss, 100 * alertRate),
                    seconds(start), trainLoss, validationLoss);
        } catch (CpuShare.Interrupted e) {
            LOG.info("Training stopped: interrupted (the task is closing or moving, or a shift was detected); the current model stays");
            return new Outcome(Result.FAILED, null, "interrupted", seconds(start), Double.NaN, Double.NaN);
        } catch (RuntimeException e) {
            LOG.warn("Training failed; the current model stays", e);
            return new Outcome(Result.FAILED, null, e.toString(), seconds(start), Double.NaN, Double.NaN);
        }
    }

    /** The indices of the rows {@code model} does not find at least ten times rarer than the target rate. */
    private int[] withoutClearAnomalies(ModelBundle model, double[][] rows) {
        double bound = calibration.targetFpr() / 10;
        try (VaeBatchScorer scorer = VaeBatchScorer.open(model, policy)) {
            var scored = scorer.score(rows);
            return java.util.stream.IntStream.range(0, rows.length).filter(i -> scored.pValue(i) >= bound).toArray();
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static double last(List<Double> losses) {
        return losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1);
    }

    private static double meanScore(ModelBundle bundle, double[][] rows) {
        try (VaeScorer scorer = VaeScorer.open(bundle)) {
            ScoreBatch batch = scorer.score(rows);
            double sum = 0;
            for (int i = 0; i < batch.size(); i++) {
                sum += batch.score(i);
            }
            double mean = sum / batch.size();
            if (!Double.isFinite(mean)) {
                throw new IllegalStateException("held-out -ELBO is not finite: " + mean);
            }
            return mean;
        }
    }
}
