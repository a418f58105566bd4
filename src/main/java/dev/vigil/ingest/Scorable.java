package dev.vigil.ingest;

/**
 * A valid record as the scorer reads it: a {@link ParsedRecord}, or (with a spec that has a
 * context block) the same record with its context features appended by {@code dev.vigil.context}.
 * {@link #features()} is the model's input; the source position is what every id derived from the
 * record is made of, so it travels with the record through a repartition.
 */
public interface Scorable {

    /** The entity key (from the spec's key field, else the Kafka key), or null. */
    String entity();

    /** Epoch millis from the spec's timestamp field, else the Kafka timestamp. */
    long eventTime();

    /** The model's input, one value per feature of {@code spec.modelInput()}. */
    double[] features();

    /** The original value bytes, kept for alerts that quote the record. */
    byte[] value();

    /** The input topic the record was read from. */
    String sourceTopic();

    int sourcePartition();

    long sourceOffset();
}
