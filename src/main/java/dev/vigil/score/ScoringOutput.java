package dev.vigil.score;

import org.apache.kafka.common.serialization.Serializer;

/**
 * What the scoring processor forwards: a {@link ScoreRecord} to the scores topic, an {@link Alert}
 * to incident folding, a {@link TrainingSample} to the training topic. A closed set, so each child
 * of the processor knows the one type it receives, and the sinks serialize it with the serializers
 * here.
 */
public sealed interface ScoringOutput permits ScoreRecord, Alert, TrainingSample {

    /** The scores topic's values: a score record as JSON ({@code schemas/score.schema.json}). */
    Serializer<ScoreRecord> SCORE_SERIALIZER = (topic, score) -> score == null ? null : score.toJson();

    /** The training topic's values: a sample in its compact binary form ({@link TrainingSample#toBytes}). */
    Serializer<TrainingSample> TRAINING_SAMPLE_SERIALIZER = (topic, sample) -> sample == null ? null : sample.toBytes();
}
