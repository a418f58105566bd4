package dev.vigil.ingest;

/**
 * A valid input record reduced to what scoring needs.
 *
 * @param entity     the entity key (from the spec's key field, else the Kafka key), or null
 * @param eventTime  epoch millis from the spec's timestamp field, else the Kafka timestamp
 * @param features   one value per feature in spec order (categorical as index, missing as NaN)
 * @param value      the original value bytes, kept for alerts that quote the record
 */
public record ParsedRecord(String entity, long eventTime, double[] features, byte[] value) implements IngestOutput {
}
