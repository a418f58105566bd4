package dev.vigil.ingest;

import dev.vigil.kafka.LengthPrefixed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A valid input record reduced to what scoring needs, with where and when Kafka had it.
 *
 * @param entity          the entity key (from the spec's key field, else the Kafka key), or null
 * @param eventTime       epoch millis from the spec's timestamp field, else the Kafka timestamp
 * @param features        one value per feature in spec order (categorical as index, missing as NaN)
 * @param value           the original value bytes, kept for alerts that quote the record
 * @param sourceTopic     the input topic, partition and offset it was read from: every id derived
 *                        from the record is made of them; null, -1 and -1 for a record read outside Kafka
 * @param timestamp       the input record's Kafka timestamp
 */
public record ParsedRecord(String entity, long eventTime, double[] features, byte[] value, String sourceTopic,
                           int sourcePartition, long sourceOffset, long timestamp) implements IngestOutput, Scorable {

    private static final byte FORMAT = 1;

    /**
     * The values of the context repartition topic ({@link #toBytes}): the record keeps its source
     * position and Kafka timestamp through the repartition, which stamps its own.
     */
    public static final Serializer<ParsedRecord> SERIALIZER = (topic, record) -> record == null ? null : record.toBytes();
    public static final Deserializer<ParsedRecord> DESERIALIZER = (topic, bytes) -> bytes == null ? null : fromBytes(bytes);

    // A ByteBuffer, not DataOutputStream: this runs once per input record on the stream thread.
    public byte[] toBytes() {
        byte[] topic = sourceTopic.getBytes(StandardCharsets.UTF_8);
        byte[] entityBytes = entity == null ? null : entity.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + LengthPrefixed.size(topic) + 4 + 8 + 8 + LengthPrefixed.size(entityBytes) + 8
                + LengthPrefixed.size(features) + LengthPrefixed.size(value));
        b.put(FORMAT);
        LengthPrefixed.put(b, topic);
        b.putInt(sourcePartition).putLong(sourceOffset).putLong(timestamp);
        LengthPrefixed.put(b, entityBytes);
        b.putLong(eventTime);
        LengthPrefixed.putDoubles(b, features);
        LengthPrefixed.put(b, value);
        return b.array();
    }

    public static ParsedRecord fromBytes(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        byte format = b.get();
        if (format != FORMAT) {
            throw new IllegalStateException("parsed record of unknown format " + format);
        }
        String topic = new String(LengthPrefixed.get(b), StandardCharsets.UTF_8);
        int partition = b.getInt();
        long offset = b.getLong();
        long timestamp = b.getLong();
        byte[] entityBytes = LengthPrefixed.get(b);
        long eventTime = b.getLong();
        double[] features = LengthPrefixed.getDoubles(b);
        return new ParsedRecord(entityBytes == null ? null : new String(entityBytes, StandardCharsets.UTF_8), eventTime,
                features, LengthPrefixed.get(b), topic, partition, offset, timestamp);
    }
}
