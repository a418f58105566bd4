package dev.vigil.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.OutcomeTally;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.VaeConfig;
import dev.vigil.train.ModelTrainer;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.TestRecords;
import dev.vigil.train.ModelRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the lifecycle ITs share: one Vigil deployment on the shared test broker with its own
 * application id and topics, traffic from the {@link TrafficGenerator}, and ways to read back
 * what Vigil did (scores by input offset, metrics over HTTP, the models topic).
 *
 * <p><b>Event time.</b> The generator's spec takes event time from the {@code ts} field, which
 * advances {@link #EVENT_MS_PER_RECORD} (8.64 s) per record; the records are produced with the
 * same Kafka timestamp. So "N records" of traffic span {@code N * 8.64 s} of event time, and the
 * shift rule ({@code vigil.train.shift.min.duration}, event-time ms) is set in those units:
 * {@link #SHIFT_RULE_RECORDS} records of traffic. With sample rate 1.0 each of the detector's six
 * buckets then holds 40 sampled records, well above its minimum of 5.
 *
 * <p><b>Training.</b> Small on purpose: 1,500 records start the first model, 30 epochs, every
 * record sampled; retraining by count or interval is off unless a test turns it on.
 */
final class Rig {

    static final FeatureSpec SPEC = TrafficGenerator.spec();
    static final long EVENT_MS_PER_RECORD = 86_400_000L / TrafficGenerator.Options.defaults().cycleRecords();
    static final int MIN_RECORDS = 1_500;
    /** The shift rule's duration, in records of traffic: an anomaly rate above the bound for this long is a new normal. */
    static final int SHIFT_RULE_RECORDS = 240;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final String input;
    final String scores;
    final String alerts;
    final String deadLetters;
    final String models;
    final String training;
    private final Map<String, String> settings = new LinkedHashMap<>();
    /** The feature spec the instances run with. */
    final FeatureSpec spec;

    Rig(String test, int inputPartitions, Map<String, String> overrides) {
        this(test, inputPartitions, overrides, SPEC);
    }

    Rig(String test, int inputPartitions, Map<String, String> overrides, FeatureSpec spec) {
        this.spec = spec;
        name = KafkaBroker.uniqueName(test);
        input = name + "-input";
        scores = name + "-scores";
        alerts = name + "-alerts";
        deadLetters = name + "-dead-letters";
        models = name + "-models";
        training = name + "-training";
        settings.put("kafka.bootstrap.servers", KafkaBroker.bootstrapServers());
        settings.put("kafka.application.id", name);
        // Commit often and notice a dead member in seconds: the tests wait on both.
        settings.put("kafka.commit.interval.ms", "100");
        settings.put("kafka.session.timeout.ms", "6000");
        settings.put("kafka.heartbeat.interval.ms", "500");
        settings.put(VigilConfig.INPUT_TOPICS, input);
        settings.put(VigilConfig.SCORES_TOPIC, scores);
        settings.put(VigilConfig.ALERTS_TOPIC, alerts);
        settings.put(VigilConfig.DEAD_LETTER_TOPIC, deadLetters);
        settings.put(VigilConfig.MODELS_TOPIC, models);
        settings.put(VigilConfig.TRAINING_TOPIC, training);
        settings.put(VigilConfig.TOPICS_PARTITIONS, Integer.toString(inputPartitions));
        settings.put(VigilConfig.HTTP_PORT, "0");
        settings.put(VigilConfig.SHUTDOWN_TIMEOUT_MS, "10000");
        settings.put(VigilConfig.TRAIN_SAMPLE_RATE, "1.0");
        settings.put(VigilConfig.TRAIN_MIN_RECORDS, Integer.toString(MIN_RECORDS));
        settings.put(VigilConfig.TRAIN_EPOCHS, "30");
        settings.put(VigilConfig.TRAIN_RETRAIN_RECORDS, "1000000");
        settings.put(VigilConfig.TRAIN_RETRAIN_INTERVAL_MS, Long.toString(24 * 3_600_000L));
        settings.put(VigilConfig.TRAIN_SHIFT_MIN_DURATION, Long.toString(SHIFT_RULE_RECORDS * EVENT_MS_PER_RECORD));
        settings.putAll(overrides);
    }

    /** The configuration of one instance, its Kafka Streams state in {@code stateDir}. */
    VigilConfig config(Path stateDir) {
        Map<String, String> s = new HashMap<>(settings);
        s.put(VigilConfig.STATE_DIR, stateDir.toString());
        return VigilConfig.of(s);
    }

    /** An instance in this JVM, started. */
    VigilService start(Path stateDir) {
        VigilService service = new VigilService(config(stateDir), spec);
        service.start();
        return service;
    }

    /**
     * Writes the feature spec and a config file for an instance in another process (or the CLI)
     * into {@code dir} and returns the config file. {@code httpPort} 0 picks a free port.
     */
    Path configFile(Path dir, Path stateDir, int httpPort) {
        try {
            Files.createDirectories(dir);
            Path specFile = dir.resolve("spec.json");
            Files.writeString(specFile, spec.toJson());
            Properties p = new Properties();
            p.putAll(settings);
            p.put(VigilConfig.STATE_DIR, stateDir.toString());
            p.put(VigilConfig.HTTP_PORT, Integer.toString(httpPort));
            p.put(VigilConfig.FEATURE_SPEC, specFile.toString());
            Path file = Files.createTempFile(dir, "vigil", ".properties");
            try (var out = Files.newBufferedWriter(file)) {
                p.store(out, "lifecycle IT " + name);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A model trained offline on {@code records} of clean normal traffic (seed {@code seed}), saved
     * to a file for {@code vigil.model.file}: a deployment that skipped cold start.
     */
    static Path offlineModel(Path dir, long seed, int records) {
        double[][] rows = features(new TrafficGenerator(traffic(seed, 0).withAnomalyRate(0)).next(records));
        ModelBundle bundle = ModelTrainer.train(SPEC, rows, VaeConfig.defaults(SPEC).withEpochs(30).withSeed(42),
                CalibrationSettings.defaults(), (epoch, train, validation, seconds) -> { }).bundle();
        Path file = dir.resolve("offline-" + seed + ".vigil");
        bundle.save(file);
        return file;
    }

    /** Waits until the window task has consumed (and committed) every sample on the training topic. */
    void awaitTrainingTopicConsumed(Duration timeout) {
        TopicPartition partition = new TopicPartition(training, 0);
        try (Admin admin = KafkaBroker.admin()) {
            Await.until("the window task to consume the training topic", timeout, () -> {
                long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get().offset();
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(name).partitionsToOffsetAndMetadata().get().get(partition);
                return committed != null && committed.offset() >= end;
            }, done -> done);
        }
    }

    ModelRegistry registry() {
        return VigilService.modelRegistry(config(Path.of("unused")));
    }

    /** Traffic from record {@code from} on of a generator; a phase starting later in event time keeps time moving forward. */
    static TrafficGenerator.Options traffic(long seed, long startRecord) {
        return TrafficGenerator.Options.defaults().withSeed(seed).withMalformedRate(0)
                .withStartMillis(TrafficGenerator.DEFAULT_START_MILLIS + startRecord * EVENT_MS_PER_RECORD);
    }

    /** Produces {@code records} with their event time as Kafka timestamp; returns each one's input offset. */
    Map<SourceId, GeneratedRecord> send(List<GeneratedRecord> records) {
        List<ProducerRecord<byte[], byte[]>> out = records.stream().map(r -> r.toProducerRecord(input)).toList();
        List<RecordMetadata> meta = TestRecords.produce(KafkaBroker.bootstrapServers(), out);
        Map<SourceId, GeneratedRecord> sent = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            sent.put(new SourceId(meta.get(i).topic(), meta.get(i).partition(), meta.get(i).offset()), records.get(i));
        }
        return sent;
    }

    OutcomeTally tally() {
        return new OutcomeTally(KafkaBroker.bootstrapServers(), scores, deadLetters, alerts, false);
    }

    /** Polls {@code tally} until every one of {@code ids} has an outcome. */
    static void awaitOutcomes(OutcomeTally tally, Collection<SourceId> ids, Duration timeout) {
        Await.until("outcomes of " + ids.size() + " records", timeout, () -> {
            tally.poll(Duration.ofMillis(200));
            return ids.stream().filter(id -> !tally.outcomes().containsKey(id)).count();
        }, missing -> missing == 0);
    }

    /** Reads the scores topic from the start: every score record by the input record it is about (the last one wins). */
    final class Scores implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        final Map<SourceId, JsonNode> byInput = new HashMap<>();

        Scores() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBroker.bootstrapServers());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            // The service creates the topic at start: it may not exist yet.
            List<TopicPartition> partitions = Await.until("the scores topic", Duration.ofSeconds(30),
                    () -> consumer.partitionsFor(scores, Duration.ofSeconds(5)).stream()
                            .map(i -> new TopicPartition(scores, i.partition())).toList(), p2 -> !p2.isEmpty());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Reads until every one of {@code ids} has a score record. */
        Map<SourceId, JsonNode> await(Collection<SourceId> ids, Duration timeout) {
            Await.until("scores of " + ids.size() + " records", timeout, () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode s = JSON.readTree(r.value());
                    byInput.put(new SourceId(s.get("topic").asText(), s.get("partition").asInt(), s.get("offset").asLong()), s);
                }
                return ids.stream().filter(id -> !byInput.containsKey(id)).count();
            }, missing -> missing == 0);
            Map<SourceId, JsonNode> out = new LinkedHashMap<>();
            ids.forEach(id -> out.put(id, byInput.get(id)));
            return out;
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** How many of {@code scored} the window trains on: unscored, or judged normal with at least {@code minPValue}. */
    static long admitted(Collection<JsonNode> scored, double minPValue) {
        return scored.stream().filter(s -> switch (s.get("outcome").asText()) {
            case "unscored" -> true;
            case "normal" -> s.get("p_value").asDouble() >= minPValue;
            default -> false;
        }).count();
    }

    static String outcome(JsonNode score) {
        return score.get("outcome").asText();
    }

    static Map<String, Long> countOutcomes(Collection<JsonNode> scored) {
        return scored.stream().collect(Collectors.groupingBy(Rig::outcome, Collectors.counting()));
    }

    /** The features of a well-formed generated record, as the service encodes them. */
    static double[][] features(Collection<GeneratedRecord> records) {
        return TrafficGenerator.features(SPEC, records);
    }

    // ---- metrics over HTTP, the same way for an instance in this JVM and one in a child JVM ----

    /** The value of one series on {@code /metrics} (e.g. {@code vigil_model_version}); NaN when absent or unreachable. */
    static double metric(int httpPort, String series) {
        String text;
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            text = r.body();
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        return Double.NaN;
    }

    static long modelVersion(int httpPort) {
        return (long) metric(httpPort, "vigil_model_version");
    }

    static long windowSize(int httpPort) {
        return (long) metric(httpPort, "vigil_training_window_size_records");
    }

    /** Records in the window kept to calibrate with only (judged normal, below the training margin). */
    static long windowCalibrationOnly(int httpPort) {
        return (long) metric(httpPort, "vigil_training_window_calibration_only_records");
    }

    /** Records in the window a model may be trained on: what {@link #admitted} counts. */
    static long trainableWindowSize(int httpPort) {
        return windowSize(httpPort) - windowCalibrationOnly(httpPort);
    }

    static double trainingRuns(int httpPort, String result) {
        double v = metric(httpPort, "vigil_training_runs_total{result=\"" + result + "\"}");
        return Double.isNaN(v) ? 0 : v;
    }

    static double shifts(int httpPort) {
        double v = metric(httpPort, "vigil_training_shifts_total");
        return Double.isNaN(v) ? 0 : v;
    }

    static boolean shiftActive(int httpPort) {
        return metric(httpPort, "vigil_training_shift_active") == 1;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> List<T> concat(Collection<T> a, Collection<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
