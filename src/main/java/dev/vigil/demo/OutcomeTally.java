package dev.vigil.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.ingest.DeadLetters;
import dev.vigil.score.SourceId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what Vigil wrote (scores, dead letters, alerts) and keeps, per input offset, the outcome
 * it ended in: the way the demo and the tests check that nothing was lost. Repeats (at least once)
 * are recognised by their deterministic id and counted separately.
 */
public final class OutcomeTally implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The outcome of one input record as written by Vigil. */
    public record Outcome(String outcome, long modelVersion, double score) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String scoresTopic;
    private final String deadLetterTopic;
    private final String alertsTopic;
    private final Map<SourceId, Outcome> outcomes = new HashMap<>();
    private final List<JsonNode> alerts = new ArrayList<>();
    private long repeats;

    public OutcomeTally(String bootstrapServers, String scoresTopic, String deadLetterTopic, String alertsTopic,
                        boolean readCommitted) {
        this.scoresTopic = scoresTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.alertsTopic = alertsTopic;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(scoresTopic, deadLetterTopic, alertsTopic)) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Reads whatever arrived within {@code timeout}; returns how many records were read. */
    public int poll(Duration timeout) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            n++;
            if (r.topic().equals(scoresTopic)) {
                JsonNode score = parse(r.value());
                SourceId id = new SourceId(score.get("topic").asText(), score.get("partition").asInt(), score.get("offset").asLong());
                put(id, new Outcome(score.get("outcome").asText(), score.path("model_version").asLong(0),
                        score.path("score").asDouble(Double.NaN)));
            } else if (r.topic().equals(deadLetterTopic)) {
                SourceId id = new SourceId(header(r, DeadLetters.SOURCE_TOPIC), Integer.parseInt(header(r, DeadLetters.SOURCE_PARTITION)),
                        Long.parseLong(header(r, DeadLetters.SOURCE_OFFSET)));
                put(id, new Outcome("dead_letter:" + header(r, DeadLetters.ERROR_CLASS), 0, Double.NaN));
            } else if (r.topic().equals(alertsTopic)) {
                JsonNode alert = parse(r.value());
                if (alert.path("status").asText().equals("open")) { // a page, not the record that resolves it
                    alerts.add(alert);
                }
            }
        }
        return n;
    }

    private void put(SourceId id, Outcome outcome) {
        if (outcomes.put(id, outcome) != null) {
            repeats++;
        }
    }

    public Map<SourceId, Outcome> outcomes() {
        return Collections.unmodifiableMap(outcomes);
    }

    /** The opening alerts (pages) read so far; the records resolving incidents are left out. */
    public List<JsonNode> alerts() {
        return Collections.unmodifiableList(alerts);
    }

    /** Outputs seen more than once for the same input record (at-least-once repeats). */
    public long repeats() {
        return repeats;
    }

    private static JsonNode parse(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalStateException("Vigil wrote a record that is not JSON", e);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        if (h == null) {
            throw new IllegalStateException("dead letter without header " + name);
        }
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
