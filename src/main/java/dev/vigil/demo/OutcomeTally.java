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
import java.util.LinkedHashMap;
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
 *
 * <p>The alerts topic carries two kinds of alert ({@code "kind"}): anomalies (records scored
 * anomalous; {@code "anomaly"}, or no kind from a Vigil that did not write one) and silences
 * ({@code "silent"}: an entity with a rhythm stopped reporting). Each is an {@code "open"} record
 * and later a {@code "resolved"} one with the same {@code "entity"}.
 */
public final class OutcomeTally implements AutoCloseable {

    /** The {@code "kind"} of a silence alert. */
    public static final String SILENT = "silent";

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
    /** Silence alerts by id, opening and resolving ones apart: a repeat under at least once is one alert. */
    private final Map<String, JsonNode> silentAlerts = new LinkedHashMap<>();
    private final Map<String, JsonNode> silentResolved = new LinkedHashMap<>();
    private long repeats;

    public OutcomeTally(String bootstrapServers, String scoresTopic, String deadLetterTopic, String alertsTopic,
                        boolean readCommitted) {
        this(scoresTopic, deadLetterTopic, alertsTopic, consumer(bootstrapServers, readCommitted));
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(scoresTopic, deadLetterTopic, alertsTopic)) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    private OutcomeTally(String scoresTopic, String deadLetterTopic, String alertsTopic,
                         KafkaConsumer<byte[], byte[]> consumer) {
        this.scoresTopic = scoresTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.alertsTopic = alertsTopic;
        this.consumer = consumer;
    }

    /** A tally that reads nothing itself: records are handed to {@link #accept}. For tests. */
    static OutcomeTally unconnected(String scoresTopic, String deadLetterTopic, String alertsTopic) {
        return new OutcomeTally(scoresTopic, deadLetterTopic, alertsTopic, null);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers, boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Reads whatever arrived within {@code timeout}; returns how many records were read. */
    public int poll(Duration timeout) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            n++;
            accept(r);
        }
        return n;
    }

    /** Takes one record of the scores, dead-letter or alerts topic into the tally. */
    void accept(ConsumerRecord<byte[], byte[]> r) {
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
            boolean open = alert.path("status").asText().equals("open"); // a page, not the record that resolves it
            if (alert.path("kind").asText().equals(SILENT)) {
                (open ? silentAlerts : silentResolved).putIfAbsent(alert.path("id").asText(), alert);
            } else if (open) {
                alerts.add(alert);
            }
        }
    }

    private void put(SourceId id, Outcome outcome) {
        if (outcomes.put(id, outcome) != null) {
            repeats++;
        }
    }

    public Map<SourceId, Outcome> outcomes() {
        return Collections.unmodifiableMap(outcomes);
    }

    /** The opening anomaly alerts (pages) read so far; the records resolving incidents are left out. */
    public List<JsonNode> alerts() {
        return Collections.unmodifiableList(alerts);
    }

    /** The opening silence alerts read so far, each once (repeats dropped by id), in the order read. */
    public List<JsonNode> silentAlerts() {
        return List.copyOf(silentAlerts.values());
    }

    /** The records resolving a silence (the entity reported again), each once. */
    public List<JsonNode> silentResolved() {
        return List.copyOf(silentResolved.values());
    }

    /**
     * The input record after which a silence alert's entity fell silent, from the alert's id
     * {@code silent:<entity>:<topic>:<partition>:<offset>}; null when the id has another form.
     */
    public static SourceId lastRecordBeforeSilence(JsonNode silentAlert) {
        String id = silentAlert.path("id").asText();
        String prefix = SILENT + ":" + silentAlert.path("entity").asText() + ":";
        if (!id.startsWith(prefix)) {
            return null;
        }
        // A topic name holds no ':', so the last two separators delimit partition and offset.
        String source = id.substring(prefix.length());
        int offsetAt = source.lastIndexOf(':');
        int partitionAt = offsetAt <= 0 ? -1 : source.lastIndexOf(':', offsetAt - 1);
        if (partitionAt <= 0) {
            return null;
        }
        try {
            return new SourceId(source.substring(0, partitionAt), Integer.parseInt(source.substring(partitionAt + 1, offsetAt)),
                    Long.parseLong(source.substring(offsetAt + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
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
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
