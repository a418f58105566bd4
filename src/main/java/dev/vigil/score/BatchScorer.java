package dev.vigil.score;

/**
 * A live model as the scoring processor sees it: one call scores a whole batch and decides each
 * record against the model's calibrated threshold. Implementations must be thread-safe; the
 * {@link ModelHolder} closes a retired scorer once no batch uses it.
 */
public interface BatchScorer extends AutoCloseable {
    long modelVersion();

    long calibrationVersion();

    double threshold();

    ScoredBatch score(double[][] rows);

    /** The model bundle behind this scorer, when it is one of Vigil's VAEs (a baseline such as RCF has none). */
    default java.util.Optional<dev.vigil.model.ModelBundle> modelBundle() {
        return java.util.Optional.empty();
    }

    /** What {@code /api/model} shows about this model. */
    default java.util.Map<String, Object> describe() {
        return java.util.Map.of("version", modelVersion(), "calibration_version", calibrationVersion(), "threshold", threshold());
    }

    @Override
    void close();
}
