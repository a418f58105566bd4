package dev.vigil.eval;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs detectors side by side on one dataset: each is fitted on the same training rows and scores
 * the same test rows, then every metric of {@link EvalResult} is computed from its scores.
 *
 * <p>Thresholds: {@code f1_at_threshold} and {@code fpr_at_threshold} use the detector's own
 * {@link Detector#calibratedThreshold() calibrated threshold}. A detector without one gets neither
 * (null: a number picked with the test labels would pass for a deployable one), and the rows its
 * HitRate@3 judges are those above the best-F1 threshold, which is chosen with the test labels (an
 * oracle, so optimistic).
 */
public final class Evaluation {

    private static final Logger LOG = LoggerFactory.getLogger(Evaluation.class);
    private static final int HIT_RATE_K = 3;

    private Evaluation() {
    }

    /** Evaluates every detector, in order, on {@code dataset}. */
    public static List<EvalResult> run(EvalDataset dataset, List<Detector> detectors) {
        List<EvalResult> results = new ArrayList<>();
        for (Detector detector : detectors) {
            results.add(evaluate(dataset, detector));
        }
        return results;
    }

    /** Fits {@code detector} on the training rows, scores the test rows and computes the metrics. */
    public static EvalResult evaluate(EvalDataset dataset, Detector detector) {
        long t0 = System.nanoTime();
        detector.fit(dataset.train());
        long t1 = System.nanoTime();
        double[] scores = detector.score(dataset.test());
        long t2 = System.nanoTime();
        if (scores.length != dataset.test().length) {
            throw new IllegalStateException(detector.name() + " returned " + scores.length + " scores for "
                    + dataset.test().length + " rows");
        }
        for (double s : scores) {
            if (Double.isNaN(s)) {
                throw new IllegalStateException(detector.name() + " returned a NaN score on " + dataset.name());
            }
        }
        int[] labels = dataset.testLabels();
        Metrics.BestF1 best = Metrics.bestF1(scores, labels);
        Double calibrated = detector.calibratedThreshold();
        double hitRateThreshold = calibrated != null ? calibrated : best.threshold();
        Double hitRate = null;
        if (dataset.interpretation() != null && !dataset.interpretation().isEmpty()) {
            int[][] top = detector.topFeatures(dataset.test(), HIT_RATE_K);
            if (top != null) {
                hitRate = EvalResult.orNull(Metrics.hitRate(dataset.interpretation(), scores, hitRateThreshold, top));
            }
        }
        EvalResult result = new EvalResult(
                dataset.name(),
                detector.name(),
                EvalResult.orNull(Metrics.auroc(scores, labels)),
                EvalResult.orNull(Metrics.auprc(scores, labels)),
                EvalResult.orNull(best.f1()),
                EvalResult.orNull(best.threshold()),
                calibrated == null ? null : EvalResult.orNull(Metrics.f1At(scores, labels, calibrated)),
                EvalResult.orNull(Metrics.bestPointAdjustedF1(scores, labels).f1()),
                calibrated == null ? null : EvalResult.orNull(Metrics.fprAt(scores, labels, calibrated)),
                hitRate,
                (t1 - t0) / 1e9,
                (t2 - t1) / 1e9);
        LOG.debug("{}", result);
        return result;
    }
}
