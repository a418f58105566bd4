package dev.vigil.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.it.Pipeline.Output;
import dev.vigil.score.SourceId;
import dev.vigil.testsupport.Await;
import dev.vigil.testsupport.KafkaBroker;
import dev.vigil.testsupport.VigilProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A crash loses nothing: {@code vigil run} in a child JVM accepts traffic into its micro-batch
 * buffer, is killed with SIGKILL after commits while no record is scored yet (the test waits for
 * exactly that state and checks it), and is restarted on the same state directory. Under {@code
 * exactly_once_v2} every input offset is committed then and the buffer is in its store's changelog;
 * under {@code at_least_once} the commits stand at the first buffered record of each partition.
 * Every input offset must still reach an outcome: at least once under {@code at_least_once} (a
 * repeat carries the same deterministic id and the same score), exactly once under {@code
 * exactly_once_v2}, read with {@code read_committed}; with and without context (whose repartition
 * topic and per-entity store the records pass before the buffer).
 *
 * <p>To hold records in the buffer the first run batches up to 65,536 records for up to 60 s, does
 * not score a batch early when the input is drained, and commits every 100 ms; the restart uses
 * ordinary batching, so the records restored from the buffer's changelog, or read again, are
 * scored within milliseconds rather than after a minute.
 */
@ExtendWith(KafkaBroker.class)
class CrashIT {

    private static final Logger LOG = LoggerFactory.getLogger(CrashIT.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final int PARTITIONS = 2;

    @ParameterizedTest(name = "{0}, context {1}")
    @CsvSource({"at_least_once,false", "exactly_once_v2,false", "at_least_once,true", "exactly_once_v2,true"})
    void shouldBringEveryBufferedRecordToAnOutcomeAfterSigkill(String guarantee, boolean context, @TempDir Path dir) throws Exception {
        try {
            crashAndRestart(guarantee, context ? Pipeline.CONTEXT_SPEC : Pipeline.SPEC, dir);
        } catch (Exception | AssertionError e) {
            for (String run : List.of("first", "second")) {
                Path log = dir.resolve(run + ".log");
                if (Files.exists(log)) {
                    List<String> lines = Files.readAllLines(log);
                    LOG.warn("Last lines of the {} run's log:\n{}", run,
                            String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
                }
            }
            throw e;
        }
    }

    private static void crashAndRestart(String guarantee, FeatureSpec featureSpec, Path dir) throws Exception {
        boolean exactlyOnce = guarantee.equals("exactly_once_v2");
        boolean context = featureSpec.hasContext();
        Pipeline.Topics topics = Pipeline.Topics.create(PARTITIONS);
        Map<String, String> config = Pipeline.config(topics, dir.resolve("state"), guarantee);
        Path model = dir.resolve("model.vigil");
        Pipeline.model(featureSpec, 7).save(model);
        Path spec = dir.resolve("spec.json");
        Files.writeString(spec, featureSpec.toJson());
        config.put(VigilConfig.MODEL_FILE, model.toString());
        config.put(VigilConfig.FEATURE_SPEC, spec.toString());
        config.put("kafka.commit.interval.ms", "100");
        // The classic group protocol: a killed member is noticed after its session timeout (broker minimum 1 s here).
        config.put("kafka.session.timeout.ms", "2000");
        config.put("kafka.heartbeat.interval.ms", "500");
        String applicationId = config.get("kafka.application.id");
        String changelog = applicationId + "-vigil-score-buffer-changelog";

        config.put(VigilConfig.BATCH_MAX_RECORDS, "65536");
        config.put(VigilConfig.BATCH_MAX_WAIT_MS, "60000");
        config.put(VigilConfig.BATCH_FLUSH_WHEN_DRAINED, "false");
        Map<SourceId, String> truth = new HashMap<>();
        VigilProcess first = VigilProcess.start(config, dir, "first");
        try {
            List<GeneratedRecord> wave = TrafficGenerator.generate(TrafficGenerator.Options.defaults()
                    .withSeed(5).withMalformedRate(0.01), 3_000);
            truth.putAll(Pipeline.produce(topics.input(), wave));
            long wellFormed = wave.stream().filter(r -> !r.isMalformed()).count();

            try (Admin admin = KafkaBroker.admin()) {
                Map<TopicPartition, Long> inputEnd = Pipeline.endOffsets(admin, topics.input());
                if (exactlyOnce) {
                    Await.until("the first run to commit every input offset", TIMEOUT,
                            () -> committed(admin, applicationId, topics.input()), inputEnd::equals);
                    Await.until("the buffered records to be in the buffer's changelog", TIMEOUT,
                            () -> total(Pipeline.endOffsets(admin, changelog)), end -> end >= wellFormed);
                } else {
                    awaitHeldCommits(admin, applicationId, topics, inputEnd, context, truth, wave.size() - wellFormed);
                }
                // The state the kill must land in: accepted and committed, yet not scored.
                assertThat(total(Pipeline.endOffsets(admin, topics.scores()))).as("score records written before the kill").isZero();
            }
        } finally {
            first.kill(); // no shutdown hook, no final commit, no flush
        }

        config.put(VigilConfig.BATCH_MAX_RECORDS, "256");
        config.put(VigilConfig.BATCH_MAX_WAIT_MS, "20");
        VigilProcess second = VigilProcess.start(config, dir, "second");
        Map<SourceId, List<Output>> outputs;
        try (Pipeline.Outputs read = new Pipeline.Outputs(topics, exactlyOnce)) {
            // Traffic after the restart too: the service goes on as usual.
            truth.putAll(Pipeline.produce(topics.input(), TrafficGenerator.generate(TrafficGenerator.Options.defaults()
                    .withSeed(6).withMalformedRate(0.01), 500)));
            read.awaitAll(truth.keySet(), TIMEOUT);
            outputs = read.drain(Duration.ofSeconds(1));
        } finally {
            second.close();
        }

        assertThat(outputs.keySet()).as("outputs for offsets that were never produced").isEqualTo(truth.keySet());
        long repeats = outputs.values().stream().mapToLong(o -> o.size() - 1).sum();
        LOG.info("{}: {} input offsets, {} repeated outputs after SIGKILL", guarantee, truth.size(), repeats);
        if (exactlyOnce) {
            assertThat(Pipeline.notExactlyOnce(truth.keySet(), outputs)).as("offsets without exactly one outcome").isEmpty();
        } else {
            outputs.forEach((id, list) -> assertThat(Set.copyOf(list)).as("outputs of " + id + " (repeats must agree)").hasSize(1));
        }
        truth.forEach((id, label) -> assertThat(outputs.get(id).get(0).outcome()).as(id + " (" + label + ")")
                .isIn(label.startsWith("malformed:") ? List.of("dead_letter") : List.of("normal", "anomaly")));
    }

    /**
     * Under at_least_once the buffer is plain memory, and commits stop at the oldest record not yet scored: here,
     * with nothing scored, at the first record that reached the buffer in each partition the scoring processor
     * reads (the input, or with context the repartition topic, whose input offsets are committed in full).
     * Waits until every record was read (the malformed ones are dead-lettered on the way) and the commits stand
     * there.
     */
    private static void awaitHeldCommits(Admin admin, String applicationId, Pipeline.Topics topics, Map<TopicPartition, Long> inputEnd,
                                         boolean context, Map<SourceId, String> truth, long malformed) throws Exception {
        Await.until("the first run to read every record", TIMEOUT,
                () -> total(Pipeline.endOffsets(admin, topics.deadLetters())), n -> n >= malformed);
        String heldTopic = topics.input();
        Map<TopicPartition, Long> firstBuffered = new HashMap<>();
        if (context) {
            Await.until("the first run to commit every input offset", TIMEOUT,
                    () -> committed(admin, applicationId, topics.input()), inputEnd::equals);
            heldTopic = applicationId + "-vigil-context-repartition";
            for (TopicPartition p : Pipeline.endOffsets(admin, heldTopic).keySet()) {
                firstBuffered.put(p, 0L);
            }
        } else {
            truth.forEach((id, label) -> {
                if (!label.startsWith("malformed:")) {
                    firstBuffered.merge(new TopicPartition(id.topic(), id.partition()), id.offset(), Math::min);
                }
            });
        }
        String topic = heldTopic;
        Await.until("commits held at the first record of each partition, none scored", TIMEOUT,
                () -> committed(admin, applicationId, topic), firstBuffered::equals);
    }

    /** The group's committed offsets on {@code topic} (with context it also commits on the repartition topic). */
    private static Map<TopicPartition, Long> committed(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return offsets.entrySet().stream().filter(e -> e.getValue() != null && e.getKey().topic().equals(topic))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static long total(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }
}
