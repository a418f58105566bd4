package dev.vigil.demo;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One record from the {@link TrafficGenerator}: the Kafka key (the host), the JSON value, the event
 * time and the truth label that travels in the {@value Truth#HEADER} header.
 *
 * @param index     position in the generated sequence, from 0 (the indices of records a silence left out are skipped)
 * @param timestamp event time in epoch milliseconds (also the {@code ts} field of well-formed values)
 * @param key       UTF-8 host name
 * @param value     UTF-8 JSON object, or deliberately broken bytes for a malformed record
 * @param truth     {@link Truth#NORMAL}, an {@link Truth.AnomalyKind#label()} or a {@link Truth.MalformedKind#label()}
 */
public record GeneratedRecord(long index, long timestamp, byte[] key, byte[] value, String truth) {

    public GeneratedRecord {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(truth, "truth");
    }

    /** A fresh header set holding the truth label. */
    public Headers headers() {
        return new RecordHeaders().add(Truth.HEADER, truth.getBytes(StandardCharsets.UTF_8));
    }

    /** The record as it is sent: key, value, event time and truth header; the partition is left to the producer. */
    public ProducerRecord<byte[], byte[]> toProducerRecord(String topic) {
        return new ProducerRecord<>(topic, null, timestamp, key, value, headers());
    }

    public String host() {
        return new String(key, StandardCharsets.UTF_8);
    }

    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    public boolean isNormal() {
        return Truth.isNormal(truth);
    }

    public boolean isAnomaly() {
        return Truth.isAnomaly(truth);
    }

    public boolean isMalformed() {
        return Truth.isMalformed(truth);
    }

    // Arrays compare by content, so two generators with the same seed yield equal records.
    @Override
    public boolean equals(Object o) {
        return o instanceof GeneratedRecord r && index == r.index && timestamp == r.timestamp
                && Arrays.equals(key, r.key) && Arrays.equals(value, r.value) && truth.equals(r.truth);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, timestamp, Arrays.hashCode(key), Arrays.hashCode(value), truth);
    }

    @Override
    public String toString() {
        return "GeneratedRecord[" + index + " " + host() + " " + truth + " " + valueAsString() + "]";
    }
}
