package dev.vigil.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.demo.Truth;
import dev.vigil.ingest.ErrorClass;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.it.Pipeline.Output;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import dev.vigil.testsupport.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing is lost: every input offset ends in exactly one outcome on the scores topic or the
 * dead-letter topic, checked offset by offset (a lost record and a duplicated one cannot cancel
 * out as they would in a count). The input mixes generated traffic (normal, anomalous, malformed)
 * on three partitions with hand-made bad values; it runs once before any model exists (cold
 * start: well-formed records come out {@code unscored}), once with a model, and once with a
 * context spec (through the repartition by entity) and a model trained on context.
 */
@ExtendWith(KafkaBroker.class)
class ConservationIT {

    private static final int GENERATED = 4_000;
    private static final int MAX_RECORD_BYTES = 4_096;

    /** Hand-made inputs, each with the error class it must be dead-lettered with. */
    private static final Map<String, ErrorClass> BAD = Map.of(
            "bad:null", ErrorClass.EMPTY_VALUE,
            "bad:empty", ErrorClass.EMPTY_VALUE,
            "bad:too_large", ErrorClass.TOO_LARGE,
            "bad:unknown_category", ErrorClass.UNKNOWN_CATEGORY,
            "bad:nan_literal", ErrorClass.NON_FINITE);

    @Test
    void shouldGiveEveryInputOffsetExactlyOneOutcomeBeforeAnyModelExists(@TempDir Path state) throws Exception {
        Map<SourceId, String> truth = new HashMap<>();
        Map<SourceId, List<Output>> outputs = run(state, false, truth);

        assertThat(Pipeline.notExactlyOnce(truth.keySet(), outputs)).as("input offsets without exactly one outcome").isEmpty();
        assertThat(outputs.keySet()).as("outcomes for offsets that were never produced").isEqualTo(truth.keySet());
        truth.forEach((id, label) -> assertThat(outputs.get(id).get(0).outcome()).as(id + " (" + label + ")")
                .isEqualTo(isBad(label) ? "dead_letter" : "unscored"));
        assertDeadLetterReasons(truth, outputs);
    }

    @Test
    void shouldGiveEveryInputOffsetExactlyOneOutcomeWithAModel(@TempDir Path state) throws Exception {
        Map<SourceId, String> truth = new HashMap<>();
        Map<SourceId, List<Output>> outputs = run(state, true, truth);

        assertThat(Pipeline.notExactlyOnce(truth.keySet(), outputs)).as("input offsets without exactly one outcome").isEmpty();
        assertThat(outputs.keySet()).as("outcomes for offsets that were never produced").isEqualTo(truth.keySet());
        truth.forEach((id, label) -> assertThat(outputs.get(id).get(0).outcome()).as(id + " (" + label + ")")
                .isIn(isBad(label) ? List.of("dead_letter") : List.of("normal", "anomaly")));
        assertDeadLetterReasons(truth, outputs);
    }

    /**
     * With context, the parsed records of each host go through the repartition topic to the task that
     * holds its context, and their outcomes still carry the input's offsets: none lost, none doubled.
     */
    @Test
    void shouldGiveEveryInputOffsetExactlyOneOutcomeWithContext(@TempDir Path state) throws Exception {
        Map<SourceId, String> truth = new HashMap<>();
        Map<String, String> config = new HashMap<>();
        Map<SourceId, List<Output>> outputs = run(state, Pipeline.CONTEXT_SPEC, true, truth, config);

        assertThat(Pipeline.notExactlyOnce(truth.keySet(), outputs)).as("input offsets without exactly one outcome").isEmpty();
        assertThat(outputs.keySet()).as("outcomes for offsets that were never produced").isEqualTo(truth.keySet());
        truth.forEach((id, label) -> assertThat(outputs.get(id).get(0).outcome()).as(id + " (" + label + ")")
                .isIn(isBad(label) ? List.of("dead_letter") : List.of("normal", "anomaly")));
        assertDeadLetterReasons(truth, outputs);
        String repartition = config.get("kafka.application.id") + "-vigil-context-repartition";
        try (Admin admin = KafkaBroker.admin()) {
            assertThat(admin.describeTopics(List.of(repartition)).allTopicNames().get().get(repartition).partitions())
                    .as("as many partitions as the input").hasSize(3);
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, repartition);
            assertThat(admin.describeConfigs(List.of(topic)).all().get().get(topic).get("message.timestamp.type").value())
                    .as("dated when written: the generator's records are from 2025, older than the topic's retention")
                    .isEqualTo("LogAppendTime");
        }
    }

    private static Map<SourceId, List<Output>> run(Path state, boolean withModel, Map<SourceId, String> truth) {
        return run(state, Pipeline.SPEC, withModel, truth, new HashMap<>());
    }

    /**
     * Runs Vigil on fresh topics, produces the mixed input, and reads outputs until every offset has one (and a bit
     * longer); {@code config} receives the configuration it ran with.
     */
    private static Map<SourceId, List<Output>> run(Path state, FeatureSpec spec, boolean withModel, Map<SourceId, String> truth,
                                                   Map<String, String> config) {
        Pipeline.Topics topics = Pipeline.Topics.create(3);
        config.putAll(Pipeline.config(topics, state, "at_least_once"));
        config.put(VigilConfig.MAX_RECORD_BYTES, String.valueOf(MAX_RECORD_BYTES));
        if (withModel) {
            config.put(VigilConfig.MODEL_FILE, Pipeline.modelFile(spec, 7));
        }
        try (VigilService vigil = new VigilService(VigilConfig.of(config), spec);
             Pipeline.Outputs read = new Pipeline.Outputs(topics, false)) {
            vigil.start();
            if (withModel) {
                dev.vigil.testsupport.Await.until("model v1 loaded", java.time.Duration.ofSeconds(60),
                        () -> vigil.models().currentVersion() == 1);
            }
            truth.putAll(Pipeline.produce(topics.input(), TrafficGenerator.generate(TrafficGenerator.Options.defaults()
                    .withSeed(11).withAnomalyRate(0.02).withMalformedRate(0.05), GENERATED)));
            truth.putAll(produceHandMadeBadValues(topics.input()));
            read.awaitAll(truth.keySet(), Duration.ofSeconds(60));
            // A duplicate would arrive after the first copy: give it time to show before judging.
            return read.drain(Duration.ofSeconds(1));
        }
    }

    private static Map<SourceId, String> produceHandMadeBadValues(String topic) {
        GeneratedRecord template = TrafficGenerator.withSeed(3).next();
        String valid = template.valueAsString();
        Map<String, String> values = new HashMap<>();
        values.put("bad:null", null);
        values.put("bad:empty", "");
        values.put("bad:too_large", valid.replace("}", ",\"padding\":\"" + "x".repeat(MAX_RECORD_BYTES) + "\"}"));
        values.put("bad:unknown_category", valid.replaceFirst("\"region\":\"[a-z]+\"", "\"region\":\"mars\""));
        values.put("bad:nan_literal", valid.replaceFirst("\"cpu\":[0-9.]+", "\"cpu\":NaN"));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int partition = 0; partition < 3; partition++) {
            for (Map.Entry<String, String> v : values.entrySet()) {
                byte[] bytes = v.getValue() == null ? null : v.getValue().getBytes(StandardCharsets.UTF_8);
                records.add(new ProducerRecord<>(topic, partition, template.key(), bytes));
                labels.add(v.getKey());
            }
        }
        assertThat(values.get("bad:unknown_category")).contains("\"mars\"");
        assertThat(values.get("bad:nan_literal")).contains("NaN");
        return Pipeline.produceRaw(records, labels);
    }

    private static void assertDeadLetterReasons(Map<SourceId, String> truth, Map<SourceId, List<Output>> outputs) {
        long malformed = truth.values().stream().filter(Truth::isMalformed).count();
        assertThat(malformed).as("generated malformed records").isGreaterThan(50);
        truth.forEach((id, label) -> {
            if (BAD.containsKey(label)) {
                assertThat(outputs.get(id).get(0).errorClass()).as(id + " (" + label + ")").isEqualTo(BAD.get(label).label());
            }
        });
    }

    private static boolean isBad(String label) {
        return Truth.isMalformed(label) || BAD.containsKey(label);
    }
}
