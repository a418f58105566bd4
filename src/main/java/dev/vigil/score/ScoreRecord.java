package dev.vigil.score;

/**
 * One record of the scores topic: the outcome of one input record (see {@code schemas/score.schema.json}).
 * Score fields are null for unscored records.
 */
public record ScoreRecord(
        String id,
        String topic,
        int partition,
        long offset,
        String entity,
        long eventTime,
        String outcome,
        Double score,
        Double pValue,
        String severity,
        Double threshold,
        Long modelVersion,
        Long calibrationVersion) {
}
