package dev.vigil.score;

import java.util.List;

/** The result of scoring one micro-batch; per-record details are computed on demand (alerts need them, most records do not). */
public interface ScoredBatch {
    double score(int i);

    double pValue(int i);

    dev.vigil.calibration.Severity severity(int i);

    boolean anomaly(int i);

    /** The {@code k} features that contribute most to record {@code i}'s score. */
    List<Contribution> contributions(int i, int k);
}
