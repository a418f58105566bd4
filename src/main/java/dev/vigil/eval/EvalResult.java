package dev.vigil.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one detector on one dataset. Every metric that does not apply or is undefined
 * is {@code null}, never NaN.
 *
 * @param bestF1Threshold the score threshold of {@code bestF1} (not part of the flat record)
 * @param paF1            best point-adjusted F1: inflated, only for comparison with published tables
 * @param f1AtThreshold   point-wise F1 at the detector's calibrated threshold, else at the best-F1 threshold
 * @param fprAtThreshold  false-positive rate on label-0 rows at the calibrated threshold; null without one
 * @param hitRateAt3      attribution quality (see {@link Metrics#hitRate}); null without interpretation labels or attribution
 */
public record EvalResult(
        String dataset,
        String detector,
        Double auroc,
        Double auprc,
        Double bestF1,
        Double bestF1Threshold,
        Double f1AtThreshold,
        Double paF1,
        Double fprAtThreshold,
        Double hitRateAt3,
        double trainSeconds,
        double scoreSeconds) {

    /** The flat record of {@code vigil evaluate --format json}, keys in the documented order. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dataset", dataset);
        m.put("detector", detector);
        m.put("auroc", auroc);
        m.put("auprc", auprc);
        m.put("best_f1", bestF1);
        m.put("f1_at_threshold", f1AtThreshold);
        m.put("pa_f1", paF1);
        m.put("fpr_at_threshold", fprAtThreshold);
        m.put("hitrate_at_3", hitRateAt3);
        m.put("train_seconds", trainSeconds);
        m.put("score_seconds", scoreSeconds);
        return m;
    }

    /** NaN (an undefined metric) as null. */
    static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
