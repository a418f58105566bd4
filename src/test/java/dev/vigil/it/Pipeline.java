package dev.vigil.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.config.VigilConfig;
import dev.vigil.context.ContextTracker;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.DeadLetters;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.kafka.TopicSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.VaeConfig;
import dev.vigil.score.SourceId;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.TestRecords;
import dev.vigil.train.ModelTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the integration tests share: a fresh set of Vigil topics, a Vigil configuration on the
 * test broker, a model trained on generated normal traffic, producing inputs while remembering
 * their offsets, and {@link Outputs}, which reads back every output per input offset. Public for
 * the ITs of other packages that start a service on the test broker ({@link Topics}, {@link #config}).
 */
public final class Pipeline {

    static final FeatureSpec SPEC = TrafficGenerator.spec();
    /** {@link #SPEC} with a context block: each host's records get context features, and silence is watched. */
    static final FeatureSpec CONTEXT_SPEC = SPEC.withContext(ContextSettings.defaults());
    /** Normal records a test model is trained (and calibrated) on, as many as the demo's warm-up. */
    static final int TRAINING_RECORDS = 12_000;

    private static final Map<String, ModelBundle> MODELS = new ConcurrentHashMap<>();

    private Pipeline() {
    }

    /** The four topics of one Vigil instance, with names no other test uses. */
    public record Topics(String input, String scores, String alerts, String deadLetters) {
        public static Topics create(int partitions) {
            return new Topics(KafkaBroker.createTopic("in", partitions), KafkaBroker.createTopic("scores", partitions),
                    KafkaBroker.createTopic("alerts", partitions), KafkaBroker.createTopic("dead", partitions));
        }

        /** The same on a broker of the test's own (one it stops and restarts), not the shared test broker. */
        public static Topics create(String bootstrapServers, int partitions) {
            Topics t = new Topics(KafkaBroker.uniqueName("in"), KafkaBroker.uniqueName("scores"),
                    KafkaBroker.uniqueName("alerts"), KafkaBroker.uniqueName("dead"));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
                dev.vigil.kafka.Topics.ensure(admin, Stream.of(t.input(), t.scores(), t.alerts(), t.deadLetters())
                        .map(name -> new TopicSpec(name, partitions, (short) 1, Map.of())).toList());
            }
            return t;
        }
    }

    /** Vigil's configuration on the test broker: own topics, application id and state dir; HTTP on a free port. */
    public static Map<String, String> config(Topics topics, Path stateDir, String guarantee) {
        return config(KafkaBroker.bootstrapServers(), topics, stateDir, guarantee);
    }

    /** {@link #config(Topics, Path, String)} on the broker at {@code bootstrapServers}. */
    /** The five output topics' keys, named {@code prefix-scores}, {@code -alerts}, {@code -dead}, {@code -models}, {@code -training}. */
    public static Map<String, String> outputTopics(String prefix) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(VigilConfig.SCORES_TOPIC, prefix + "-scores");
        c.put(VigilConfig.ALERTS_TOPIC, prefix + "-alerts");
        c.put(VigilConfig.DEAD_LETTER_TOPIC, prefix + "-dead");
        c.put(VigilConfig.MODELS_TOPIC, prefix + "-models");
        c.put(VigilConfig.TRAINING_TOPIC, prefix + "-training");
        return c;
    }

    public static Map<String, String> config(String bootstrapServers, Topics topics, Path stateDir, String guarantee) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("kafka.bootstrap.servers", bootstrapServers);
        c.put("kafka.application.id", KafkaBroker.uniqueName("vigil-it"));
        c.put("kafka.processing.guarantee", guarantee);
        c.put(VigilConfig.INPUT_TOPICS, topics.input());
        c.put(VigilConfig.SCORES_TOPIC, topics.scores());
        c.put(VigilConfig.ALERTS_TOPIC, topics.alerts());
        c.put(VigilConfig.DEAD_LETTER_TOPIC, topics.deadLetters());
        c.put(VigilConfig.MODELS_TOPIC, topics.input() + "-models");
        c.put(VigilConfig.TRAINING_TOPIC, topics.input() + "-training");
        c.put(VigilConfig.STATE_DIR, stateDir.toString());
        c.put(VigilConfig.HTTP_PORT, "0");
        c.put(VigilConfig.SHUTDOWN_TIMEOUT_MS, "10000");
        return c;
    }

    /**
     * What {@code vigil run} in a child JVM gets in the crash tests: {@link #config} with a model file (served as
     * v1), the feature spec in {@code dir/spec.json}, instance id {@code vigil-a} (static membership) and Vigil's
     * defaults for the commit interval and the session timeout.
     */
    static Map<String, String> instanceConfig(String bootstrapServers, Topics topics, Path dir, String guarantee) throws IOException {
        return instanceConfig(bootstrapServers, topics, dir, guarantee, SPEC);
    }

    /** {@link #instanceConfig(String, Topics, Path, String)} for another feature spec, with a model trained for it. */
    static Map<String, String> instanceConfig(String bootstrapServers, Topics topics, Path dir, String guarantee,
                                              FeatureSpec featureSpec) throws IOException {
        Map<String, String> config = config(bootstrapServers, topics, dir.resolve("state"), guarantee);
        Path spec = dir.resolve("spec.json");
        java.nio.file.Files.writeString(spec, featureSpec.toJson());
        config.put(VigilConfig.MODEL_FILE, modelFile(featureSpec, 7));
        config.put(VigilConfig.FEATURE_SPEC, spec.toString());
        config.put(VigilConfig.INSTANCE_ID, "vigil-a");
        config.put(VigilConfig.COOLDOWN_MS, "2000");
        return config;
    }

    /**
     * A served model (version 1) trained with the default VAE settings on normal traffic of the
     * given generator seed; cached, since every test class of the run may ask for the same one.
     */
    /** {@link #model(long)} saved to a file, for {@code vigil.model.file}: the service publishes it as v1. */
    static String modelFile(long seed) {
        return modelFile(SPEC, seed);
    }

    /** {@link #model(FeatureSpec, long)} saved to a file, for {@code vigil.model.file}. */
    static String modelFile(FeatureSpec spec, long seed) {
        return MODEL_FILES.computeIfAbsent(spec.fingerprint() + "/" + seed, key -> {
            try {
                java.nio.file.Path file = java.nio.file.Files.createTempFile("vigil-it-model-" + seed, ".vigil");
                file.toFile().deleteOnExit();
                model(spec, seed).save(file);
                return file.toString();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static final Map<String, String> MODEL_FILES = new ConcurrentHashMap<>();

    static ModelBundle model(long seed) {
        return model(SPEC, seed);
    }

    /**
     * A model for {@code spec}; with context, trained on the rows the stream gives the scorer: each host's
     * records enriched in generation order, as {@code vigil train} enriches a file.
     */
    static ModelBundle model(FeatureSpec spec, long seed) {
        return MODELS.computeIfAbsent(spec.fingerprint() + "/" + seed, key -> {
            TrafficGenerator normal = new TrafficGenerator(TrafficGenerator.Options.defaults()
                    .withSeed(seed).withAnomalyRate(0).withMalformedRate(0));
            List<GeneratedRecord> records = normal.next(TRAINING_RECORDS);
            double[][] rows = TrafficGenerator.features(SPEC, records);
            if (spec.hasContext()) {
                ContextTracker context = new ContextTracker(spec);
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = context.next(records.get(i).host(), rows[i], records.get(i).timestamp());
                }
            }
            return ModelTrainer.train(spec, rows, VaeConfig.defaults(spec).withSeed(seed), CalibrationSettings.defaults(),
                    (epoch, train, validation, seconds) -> { }).bundle().withVersion(1);
        });
    }

    /** Produces the records (acks=all) and returns, per input offset, the record's truth label. */
    static Map<SourceId, String> produce(String topic, List<GeneratedRecord> records) {
        List<ProducerRecord<byte[], byte[]>> sent = records.stream().map(r -> r.toProducerRecord(topic)).toList();
        return produceRaw(sent, records.stream().map(GeneratedRecord::truth).toList());
    }

    /** Produces raw records and returns, per input offset, the label given for the record at the same position. */
    static Map<SourceId, String> produceRaw(List<ProducerRecord<byte[], byte[]>> records, List<String> labels) {
        List<RecordMetadata> metadata = TestRecords.produce(KafkaBroker.bootstrapServers(), records);
        Map<SourceId, String> byOffset = new LinkedHashMap<>();
        for (int i = 0; i < metadata.size(); i++) {
            RecordMetadata m = metadata.get(i);
            byOffset.put(new SourceId(m.topic(), m.partition(), m.offset()), labels.get(i));
        }
        return byOffset;
    }

    /** One output Vigil wrote for an input record: a score record or a dead letter. */
    record Output(String kind, String id, String outcome, double score, String errorClass) {
        boolean isDeadLetter() {
            return kind.equals("dead_letter");
        }
    }

    /**
     * Reads the scores and dead-letter topics from the beginning and keeps every output per input
     * offset, repeats included (at least once may repeat; a test counts them).
     */
    static final class Outputs implements AutoCloseable {

        private static final ObjectMapper JSON = new ObjectMapper();
        private static final Logger LOG = LoggerFactory.getLogger(Outputs.class);

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Topics topics;
        private final Map<SourceId, List<Output>> outputs = new HashMap<>();

        Outputs(Topics topics, boolean readCommitted) {
            this(KafkaBroker.bootstrapServers(), topics, readCommitted);
        }

        Outputs(String bootstrapServers, Topics topics, boolean readCommitted) {
            this.topics = topics;
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
            consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.scores(), topics.deadLetters())) {
                for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Reads until every one of {@code inputs} has at least one output; fails after {@code timeout}. */
        Map<SourceId, List<Output>> awaitAll(Set<SourceId> inputs, Duration timeout) {
            try {
                Await.until("an output for each of " + inputs.size() + " input offsets (value: how many still lack one)", timeout, () -> {
                    poll(Duration.ofMillis(200));
                    return inputs.stream().filter(id -> !outputs.containsKey(id)).count();
                }, missing -> missing == 0);
            } catch (AssertionError e) {
                // Once seen on a heavily loaded machine and not reproduced since: leave evidence of where the service was.
                logStreamThreads();
                throw e;
            }
            return outputs;
        }

        /** Keeps reading until {@code quiet} passes without a new record: late repeats get their chance to show. */
        Map<SourceId, List<Output>> drain(Duration quiet) {
            while (poll(quiet) > 0) {
                // keep reading
            }
            return outputs;
        }

        private static void logStreamThreads() {
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                if (thread.getName().contains("StreamThread")) {
                    StringBuilder b = new StringBuilder();
                    for (StackTraceElement frame : stack) {
                        b.append("\n    at ").append(frame);
                    }
                    LOG.warn("Stack of {} ({}) when the outputs were not complete:{}", thread.getName(), thread.getState(), b);
                }
            });
        }

        int poll(Duration timeout) {
            int n = 0;
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
                n++;
                if (r.topic().equals(topics.scores())) {
                    JsonNode s = parse(r.value());
                    SourceId source = new SourceId(s.get("topic").asText(), s.get("partition").asInt(), s.get("offset").asLong());
                    add(source, new Output("score", s.get("id").asText(), s.get("outcome").asText(),
                            s.path("score").asDouble(Double.NaN), null));
                } else {
                    SourceId source = new SourceId(header(r, DeadLetters.SOURCE_TOPIC),
                            Integer.parseInt(header(r, DeadLetters.SOURCE_PARTITION)), Long.parseLong(header(r, DeadLetters.SOURCE_OFFSET)));
                    add(source, new Output("dead_letter", source.id(), "dead_letter", Double.NaN, header(r, DeadLetters.ERROR_CLASS)));
                }
            }
            return n;
        }

        Map<SourceId, List<Output>> all() {
            return outputs;
        }

        /** The highest input offset with an output so far, per input partition. */
        Map<Integer, Long> highestOffsets() {
            Map<Integer, Long> highest = new HashMap<>();
            outputs.keySet().forEach(id -> highest.merge(id.partition(), id.offset(), Math::max));
            return highest;
        }

        /** Whether some input partition has an output for an offset above its highest in {@code before}. */
        boolean beyond(Map<Integer, Long> before) {
            return highestOffsets().entrySet().stream().anyMatch(e -> e.getValue() > before.getOrDefault(e.getKey(), -1L));
        }

        /** Outputs beyond the first per input offset, so far. */
        long repeats() {
            return outputs.values().stream().mapToLong(o -> o.size() - 1).sum();
        }

        private void add(SourceId source, Output output) {
            outputs.computeIfAbsent(source, k -> new ArrayList<>()).add(output);
        }

        private static JsonNode parse(byte[] value) {
            try {
                return JSON.readTree(value);
            } catch (IOException e) {
                throw new UncheckedIOException("Vigil wrote a score that is not JSON", e);
            }
        }

        private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
            Header h = r.headers().lastHeader(name);
            if (h == null) {
                throw new AssertionError("dead letter at " + r.topic() + "/" + r.partition() + "/" + r.offset() + " lacks header " + name);
            }
            return new String(h.value(), StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The end offset of every partition of {@code topic}. */
    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) {
        try {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(request).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read end offsets of " + topic, e);
        }
    }

    /** Input offsets with other than exactly one output, with what they got: empty when each has exactly one. */
    static Map<SourceId, Integer> notExactlyOnce(Set<SourceId> inputs, Map<SourceId, List<Output>> outputs) {
        return inputs.stream().filter(id -> outputs.getOrDefault(id, List.of()).size() != 1)
                .collect(Collectors.toMap(id -> id, id -> outputs.getOrDefault(id, List.of()).size()));
    }
}
