package dev.vigil.bench;

import dev.vigil.config.VigilSettings;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The settings that shape end-to-end latency, as the bench's Streams applications (Vigil and the pass-through
 * alike) end up with them: Vigil's defaults from {@code StreamsSettings}, then any {@code kafka.*} override, then
 * what Kafka Streams and the clients default to for the rest (e.g. 1000 records per poll). The micro-batch limits apply to Vigil only.
 */
public record LatencySettings(long commitIntervalMs, long lingerMs, long pollMs, int fetchMaxWaitMs, int fetchMinBytes,
                              int maxPollRecords, int batchMaxRecords, long batchMaxWaitMs) {

    /** {@code streams}: the properties the applications are started with; {@code scoring}: Vigil's micro-batching. */
    public static LatencySettings of(Properties streams, VigilSettings.Scoring scoring) {
        StreamsConfig config = new StreamsConfig(streams);
        // Built as Kafka Streams builds them for its main consumer and thread producer, prefixes and its own defaults applied.
        Map<String, Object> consumer = config.getMainConsumerConfigs("bench", "bench", 0);
        Map<String, Object> producer = config.getProducerConfigs("bench");
        return new LatencySettings(
                config.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG),
                ((Number) effective(producer, ProducerConfig.configDef(), ProducerConfig.LINGER_MS_CONFIG)).longValue(),
                config.getLong(StreamsConfig.POLL_MS_CONFIG),
                ((Number) effective(consumer, ConsumerConfig.configDef(), ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)).intValue(),
                ((Number) effective(consumer, ConsumerConfig.configDef(), ConsumerConfig.FETCH_MIN_BYTES_CONFIG)).intValue(),
                ((Number) effective(consumer, ConsumerConfig.configDef(), ConsumerConfig.MAX_POLL_RECORDS_CONFIG)).intValue(),
                scoring.batchMaxRecords(), scoring.batchMaxWait().toMillis());
    }

    /** {@code key}'s value in {@code client}, else the client's default, parsed to its type. */
    private static Object effective(Map<String, Object> client, ConfigDef def, String key) {
        Object value = client.containsKey(key) ? client.get(key) : def.defaultValues().get(key);
        return ConfigDef.parseType(key, value, def.configKeys().get(key).type);
    }

    /** Flat keys named after Kafka's ({@code kafka_commit_interval_ms} is {@code commit.interval.ms}). */
    void putInto(Map<String, Object> m) {
        m.put("kafka_commit_interval_ms", commitIntervalMs);
        m.put("kafka_linger_ms", lingerMs);
        m.put("kafka_poll_ms", pollMs);
        m.put("kafka_fetch_max_wait_ms", fetchMaxWaitMs);
        m.put("kafka_fetch_min_bytes", fetchMinBytes);
        m.put("kafka_max_poll_records", maxPollRecords);
        m.put("score_batch_max_records", batchMaxRecords);
        m.put("score_batch_max_wait_ms", batchMaxWaitMs);
    }
}
