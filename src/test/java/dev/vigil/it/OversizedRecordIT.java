package dev.vigil.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.DeadLetters;
import dev.vigil.ingest.ErrorClass;
import dev.vigil.it.Pipeline.Output;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.TestRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14.1: an input record larger than Vigil's producer may send must not stop the service.
 * The input topic accepts 10 MB, so a 2 MB value gets in; Vigil must dead-letter it truncated
 * (prefix, original size, SHA-256, a header saying so) and go on with the records after it.
 */
@ExtendWith(KafkaBroker.class)
class OversizedRecordIT {

    private static final int BIG_VALUE_BYTES = 2_000_000;
    private static final int INPUT_MAX_MESSAGE_BYTES = 10_000_000;

    @Test
    void shouldDeadLetterARecordTooLargeToSendTruncatedAndKeepRunning(@TempDir Path state) throws Exception {
        Pipeline.Topics topics = topicsWithLargeInput();
        // Vigil's defaults otherwise: the producer's max.request.size and vigil.ingest.max.record.bytes untouched.
        Map<String, String> config = Pipeline.config(topics, state, "at_least_once");
        TrafficGenerator generator = TrafficGenerator.withSeed(5);
        GeneratedRecord template = generator.next();
        byte[] big = padded(template.valueAsString(), BIG_VALUE_BYTES);

        try (VigilService vigil = new VigilService(VigilConfig.of(config), Pipeline.SPEC);
             Pipeline.Outputs read = new Pipeline.Outputs(topics, false)) {
            vigil.start();
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            records.add(new ProducerRecord<>(topics.input(), 0, template.key(), template.value()));
            records.add(new ProducerRecord<>(topics.input(), 0, template.key(), big));
            for (int i = 0; i < 5; i++) {
                GeneratedRecord r = generator.next();
                records.add(new ProducerRecord<>(topics.input(), 0, r.key(), r.value()));
            }
            List<SourceId> offsets = produceLarge(records);
            SourceId oversized = offsets.get(1);

            Map<SourceId, List<Output>> outputs = awaitOutputsWhileRunning(vigil, read, offsets);

            assertThat(vigil.state()).as("Kafka Streams after the oversized record").isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(Pipeline.notExactlyOnce(new java.util.HashSet<>(offsets), outputs))
                    .as("input offsets without exactly one outcome").isEmpty();
            assertThat(outputs.get(oversized).get(0).errorClass()).isEqualTo(ErrorClass.TOO_LARGE.label());
            for (SourceId id : offsets) {
                if (!id.equals(oversized)) {
                    assertThat(outputs.get(id).get(0).outcome()).as(id + " after the oversized record").isEqualTo("unscored");
                }
            }

            ConsumerRecord<byte[], byte[]> dead = TestRecords.consume(KafkaBroker.bootstrapServers(), topics.deadLetters(),
                    1, Duration.ofSeconds(30), false).get(0);
            assertThat(header(dead, DeadLetters.TRUNCATED)).isEqualTo("value");
            assertThat(header(dead, DeadLetters.ORIGINAL_VALUE_BYTES)).isEqualTo(Integer.toString(BIG_VALUE_BYTES));
            assertThat(header(dead, DeadLetters.ORIGINAL_VALUE_SHA256)).isEqualTo(sha256(big));
            assertThat(dead.value().length).as("bytes of the truncated value").isGreaterThan(0).isLessThan(BIG_VALUE_BYTES);
            assertThat(dead.value()).as("the truncated value is a prefix of the original")
                    .isEqualTo(java.util.Arrays.copyOf(big, dead.value().length));
            assertThat(dead.key()).isEqualTo(template.key());
        }
    }

    /**
     * A user raised the producer's max.request.size and vigil.ingest.max.record.bytes to 2 MB but
     * left the output topics at the broker's default (1 MB): a valid 1.5 MB record must still be
     * scored, and a dead letter the broker refuses is counted and skipped, not fatal.
     */
    @Test
    void shouldCountAndSkipAnOutputTheBrokerRefusesAndKeepScoring(@TempDir Path state) throws Exception {
        Pipeline.Topics topics = topicsWithLargeInput();
        Map<String, String> config = Pipeline.config(topics, state, "at_least_once");
        config.put(VigilConfig.MAX_RECORD_BYTES, Integer.toString(2 << 20));
        config.put("kafka.producer.max.request.size", Integer.toString((2 << 20) + (64 << 10)));
        TrafficGenerator generator = TrafficGenerator.withSeed(6);
        GeneratedRecord template = generator.next();

        try (VigilService vigil = new VigilService(VigilConfig.of(config), Pipeline.SPEC);
             Pipeline.Outputs read = new Pipeline.Outputs(topics, false)) {
            vigil.start();
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            records.add(new ProducerRecord<>(topics.input(), 0, template.key(), padded(template.valueAsString(), 1_500_000)));
            records.add(new ProducerRecord<>(topics.input(), 0, template.key(), padded(template.valueAsString(), 3_000_000)));
            for (int i = 0; i < 3; i++) {
                GeneratedRecord r = generator.next();
                records.add(new ProducerRecord<>(topics.input(), 0, r.key(), r.value()));
            }
            List<SourceId> offsets = produceLarge(records);
            SourceId refused = offsets.get(1);
            List<SourceId> kept = offsets.stream().filter(id -> !id.equals(refused)).toList();

            Map<SourceId, List<Output>> outputs = awaitOutputsWhileRunning(vigil, read, kept);

            assertThat(vigil.state()).isEqualTo(KafkaStreams.State.RUNNING);
            kept.forEach(id -> assertThat(outputs.get(id).get(0).outcome()).as(id.id()).isEqualTo("unscored"));
            // The 2 MB truncated dead letter of the 3 MB record does not fit the 1 MB dead-letter topic.
            String metrics = scrape("http://127.0.0.1:" + vigil.httpPort() + "/metrics");
            // Bounded labels are normalized to [a-z0-9_].
            assertThat(metrics).contains("vigil_output_records_dropped_total{topic=\"" + topics.deadLetters().replace('-', '_') + "\"} 1.0");
        }
    }

    /** Input topic of 10 MB records; scores, alerts and dead letters at the broker's defaults. */
    private static Pipeline.Topics topicsWithLargeInput() {
        return new Pipeline.Topics(
                KafkaBroker.createTopic("in", 1, Map.of("max.message.bytes", Integer.toString(INPUT_MAX_MESSAGE_BYTES))),
                KafkaBroker.createTopic("scores", 1), KafkaBroker.createTopic("alerts", 1), KafkaBroker.createTopic("dead", 1));
    }

    /** Reads outputs until each offset has one, failing at once (not after the timeout) when Kafka Streams stops. */
    private static Map<SourceId, List<Output>> awaitOutputsWhileRunning(VigilService vigil, Pipeline.Outputs read,
                                                                        List<SourceId> offsets) {
        Await.until("an output for each of " + offsets.size() + " offsets while Kafka Streams runs", Duration.ofSeconds(90), () -> {
            read.poll(Duration.ofMillis(200));
            KafkaStreams.State s = vigil.state();
            assertThat(s).as("Kafka Streams state while waiting for outputs")
                    .isNotIn(KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.NOT_RUNNING);
            return offsets.stream().allMatch(read.all()::containsKey);
        });
        return read.drain(Duration.ofSeconds(1));
    }

    /** The valid JSON of {@code json} with a padding field that brings it to exactly {@code size} bytes. */
    private static byte[] padded(String json, int size) {
        String prefix = json.substring(0, json.length() - 1) + ",\"padding\":\"";
        String suffix = "\"}";
        String padded = prefix + "x".repeat(size - prefix.length() - suffix.length()) + suffix;
        byte[] bytes = padded.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes).hasSize(size);
        return bytes;
    }

    /** Produces with a producer that may send up to the input topic's limit, as `kcat -X message.max.bytes=...` does. */
    private static List<SourceId> produceLarge(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, INPUT_MAX_MESSAGE_BYTES);
        List<SourceId> offsets = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                try {
                    RecordMetadata m = producer.send(r).get();
                    offsets.add(new SourceId(m.topic(), m.partition(), m.offset()));
                } catch (ExecutionException e) {
                    throw new AssertionError("producing the input failed: " + e.getCause(), e.getCause());
                }
            }
        }
        return offsets;
    }

    private static String scrape(String url) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        assertThat(h).as("header " + name + " of the dead letter").isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
