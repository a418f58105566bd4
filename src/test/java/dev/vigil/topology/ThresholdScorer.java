package dev.vigil.topology;

import dev.vigil.score.BatchScorer;
import dev.vigil.score.Contribution;
import dev.vigil.score.ScoredBatch;
import java.util.ArrayList;
import java.util.List;

/** A transparent stand-in model for topology tests: the score is the first feature. Remembers every row it scored. */
final class ThresholdScorer implements BatchScorer {
    final List<Integer> batchSizes = new ArrayList<>();
    final List<double[]> rows = new ArrayList<>();
    private final long version;
    private final double threshold;
    volatile boolean closed;

    ThresholdScorer(long version, double threshold) {
        this.version = version;
        this.threshold = threshold;
    }

    @Override
    public long modelVersion() {
        return version;
    }

    @Override
    public long calibrationVersion() {
        return version;
    }

    @Override
    public double threshold() {
        return threshold;
    }

    @Override
    public ScoredBatch score(double[][] rows) {
        batchSizes.add(rows.length);
        this.rows.addAll(List.of(rows));
        return new ScoredBatch() {
            @Override
            public double score(int i) {
                return rows[i][0];
            }

            @Override
            public double pValue(int i) {
                return rows[i][0] > threshold ? 1e-4 : 0.5;
            }

            @Override
            public dev.vigil.calibration.Severity severity(int i) {
                return rows[i][0] > threshold ? dev.vigil.calibration.Severity.HIGH : dev.vigil.calibration.Severity.NONE;
            }

            @Override
            public boolean anomaly(int i) {
                return rows[i][0] > threshold;
            }

            @Override
            public List<Contribution> contributions(int i, int k) {
                return List.of(new Contribution("cpu", rows[i][0], 0.0, 1.0, 1e-4));
            }
        };
    }

    @Override
    public void close() {
        closed = true;
    }
}
