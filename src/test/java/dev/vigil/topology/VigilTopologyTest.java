package dev.vigil.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.DeadLetters;
import dev.vigil.ingest.FeatureSpec.Feature;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.Outcome;
import dev.vigil.score.UnscoredOffsets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VigilTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FeatureSpec SPEC = new FeatureSpec("host", "ts", List.of(
            Feature.numeric("cpu"),
            Feature.numeric("mem").asOptional(),
            Feature.categorical("region", List.of("eu", "us")),
            new Feature("up", dev.vigil.ingest.FeatureType.BOOLEAN, false, null)));

    @TempDir
    Path stateDir;

    private final ModelHolder models = new ModelHolder();
    private VigilTopology.Listener listener = VigilTopology.Listener.NONE;
    private TopologyTestDriver driver;
    private int drivers;
    private TestInputTopic<byte[], byte[]> input;
    private TestOutputTopic<byte[], byte[]> scores;
    private TestOutputTopic<byte[], byte[]> alerts;
    private TestOutputTopic<byte[], byte[]> deadLetters;
    private final UnscoredOffsets unscored = new UnscoredOffsets();

    private void start(Map<String, String> overrides) {
        start(overrides, Instant.ofEpochMilli(0));
    }

    /** A fresh driver (its own empty state) whose wall clock starts at {@code wallClock}. */
    private void start(Map<String, String> overrides, Instant wallClock) {
        start(overrides, wallClock, unscored);
    }

    /** {@code unscored}: where the scoring processor holds commits, or null for its buffer store (exactly_once_v2). */
    private void start(Map<String, String> overrides, Instant wallClock, UnscoredOffsets unscored) {
        Map<String, String> props = new HashMap<>(Map.of(
                VigilConfig.BATCH_MAX_RECORDS, "4",
                VigilConfig.BATCH_MAX_WAIT_MS, "100",
                VigilConfig.COOLDOWN_MS, "10000",
                VigilConfig.INPUT_TOPICS, "in"));
        props.putAll(overrides);
        VigilConfig config = VigilConfig.of(props);
        Properties streams = new Properties();
        streams.put(StreamsConfig.APPLICATION_ID_CONFIG, "vigil-test");
        streams.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("driver-" + (drivers++)).toString());
        driver = new TopologyTestDriver(VigilTopology.build(VigilSettings.from(config), SPEC, models, listener, unscored), streams,
                wallClock);
        ByteArraySerializer ser = new ByteArraySerializer();
        ByteArrayDeserializer de = new ByteArrayDeserializer();
        input = driver.createInputTopic("in", ser, ser);
        scores = driver.createOutputTopic("vigil-scores", de, de);
        alerts = driver.createOutputTopic("vigil-alerts", de, de);
        deadLetters = driver.createOutputTopic("vigil-dead-letters", de, de);
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    /** {@code ts} is written as an ISO-8601 instant: an integer this small would be read as epoch seconds. */
    private static String record(String host, long ts, double cpu) {
        return "{\"host\":\"" + host + "\",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\",\"cpu\":" + cpu
                + ",\"mem\":0.5,\"region\":\"eu\",\"up\":true}";
    }

    private void send(String value) {
        input.pipeInput(new TestRecord<>(null, value.getBytes(StandardCharsets.UTF_8)));
    }

    private List<JsonNode> read(TestOutputTopic<byte[], byte[]> topic) {
        return topic.readValuesToList().stream().map(v -> {
            try {
                return JSON.readTree(v);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    @Test
    void shouldHoldRecordsUntilTheBatchIsFull() {
        ThresholdScorer scorer = new ThresholdScorer(1, 10);
        models.swap(scorer);
        start(Map.of());
        IntStream.range(0, 3).forEach(i -> send(record("a", i, 1)));
        assertThat(scores.isEmpty()).isTrue();
        send(record("a", 3, 1));
        assertThat(read(scores)).hasSize(4).allSatisfy(s -> assertThat(s.get("outcome").asText()).isEqualTo("normal"));
        assertThat(scorer.batchSizes).containsExactly(4);
    }

    @Test
    void shouldHoldCommitsAtTheOldestRecordNotYetScored() {
        models.swap(new ThresholdScorer(1, 10));
        start(Map.of());
        org.apache.kafka.common.TopicPartition in0 = new org.apache.kafka.common.TopicPartition("in", 0);
        IntStream.range(0, 6).forEach(i -> send(record("a", i, 1)));
        // The first four were scored; offsets 4 and 5 wait in the buffer, so a commit now must stop at 4.
        assertThat(read(scores)).hasSize(4);
        assertThat(unscored.oldestUnscored(in0)).contains(4L);
        assertThat(driver.getKeyValueStore(VigilTopology.Names.SCORE_BUFFER_STORE).approximateNumEntries())
                .as("nothing written to the buffer store while commits are held").isZero();
        driver.advanceWallClockTime(Duration.ofMillis(150));
        assertThat(read(scores)).hasSize(2);
        assertThat(unscored.oldestUnscored(in0)).as("everything scored: commits go all the way").isEmpty();
    }

    @Test
    void shouldKeepOnlyRecordsNotYetScoredInTheBufferStore() {
        models.swap(new ThresholdScorer(1, 10));
        start(Map.of(), Instant.ofEpochMilli(0), null);
        IntStream.range(0, 6).forEach(i -> send(record("a", i, 1)));
        // The first four were scored: their slots are deleted (a tombstone in the changelog, not the whole record).
        org.apache.kafka.streams.state.KeyValueStore<Integer, byte[]> buffer =
                driver.getKeyValueStore(VigilTopology.Names.SCORE_BUFFER_STORE);
        List<Integer> keys = new java.util.ArrayList<>();
        try (var all = buffer.all()) {
            all.forEachRemaining(kv -> keys.add(kv.key));
        }
        assertThat(keys).containsExactlyInAnyOrder(-1, 0, 1); // the watermark and the two records still buffered
        assertThat(read(scores)).hasSize(4);
    }

    @Test
    void shouldScoreAPartialBatchOnceItsOldestRecordHasWaited() {
        ThresholdScorer scorer = new ThresholdScorer(1, 10);
        models.swap(scorer);
        start(Map.of());
        send(record("a", 0, 1));
        send(record("a", 1, 1));
        driver.advanceWallClockTime(Duration.ofMillis(50));
        assertThat(scores.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofMillis(100));
        assertThat(read(scores)).hasSize(2);
        assertThat(scorer.batchSizes).containsExactly(2);
    }

    @Test
    void shouldScoreAPartialBatchAtOnceWhenTheInputIsDrained() {
        ThresholdScorer scorer = new ThresholdScorer(1, 10);
        models.swap(scorer);
        start(Map.of(VigilConfig.BATCH_FLUSH_WHEN_DRAINED, "true"));
        send(record("a", 0, 1));
        send(record("a", 1, 1));
        driver.advanceWallClockTime(Duration.ofMillis(1)); // records came since the last look: more may follow
        assertThat(scores.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofMillis(1)); // nothing came: waiting the 100 ms would only add latency
        assertThat(read(scores)).hasSize(2);
        assertThat(scorer.batchSizes).containsExactly(2);
    }

    @Test
    void shouldWaitForTheTimerEvenWhenTheInputIsDrainedByDefault() {
        ThresholdScorer scorer = new ThresholdScorer(1, 10);
        models.swap(scorer);
        start(Map.of());
        send(record("a", 0, 1));
        send(record("a", 1, 1));
        driver.advanceWallClockTime(Duration.ofMillis(1));
        driver.advanceWallClockTime(Duration.ofMillis(1));
        driver.advanceWallClockTime(Duration.ofMillis(50));
        assertThat(scores.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofMillis(50));
        assertThat(read(scores)).hasSize(2);
    }

    @Test
    void shouldKeepFillingABatchWhileRecordsKeepComingUntilItsOldestHasWaited() {
        ThresholdScorer scorer = new ThresholdScorer(1, 10);
        models.swap(scorer);
        start(Map.of(VigilConfig.BATCH_MAX_RECORDS, "100", VigilConfig.BATCH_FLUSH_WHEN_DRAINED, "true"));
        for (int i = 0; i < 9; i++) {
            send(record("a", i, 1));
            driver.advanceWallClockTime(Duration.ofMillis(10)); // a record every look: never drained
        }
        assertThat(scores.isEmpty()).as("90 ms old, under the 100 ms wait").isTrue();
        send(record("a", 9, 1));
        driver.advanceWallClockTime(Duration.ofMillis(10));
        assertThat(read(scores)).hasSize(10);
        assertThat(scorer.batchSizes).containsExactly(10);
    }

    /** Keeps the buffer waits the scoring processor reports, if {@code timed}; everything else is ignored. */
    private static final class WaitRecorder implements VigilTopology.Listener {
        final boolean timed;
        final List<Long> waits = new ArrayList<>();
        final List<Integer> batches = new ArrayList<>();

        WaitRecorder(boolean timed) {
            this.timed = timed;
        }

        @Override
        public boolean timesBufferWait() {
            return timed;
        }

        @Override
        public void bufferWaited(long nanos) {
            waits.add(nanos);
        }

        @Override
        public void batchScored(int size, long nanos) {
            batches.add(size);
        }

        @Override
        public void outcome(String sourceTopic, Outcome outcome, double score, long timestamp) {
        }
    }

    @Test
    void shouldReportHowLongEachScoredRecordWaitedInTheBufferToAListenerThatAsks() {
        models.swap(new ThresholdScorer(1, 10));
        WaitRecorder recorder = new WaitRecorder(true);
        listener = recorder;
        start(Map.of());
        IntStream.range(0, 6).forEach(i -> send(record("a", i, 1)));
        driver.advanceWallClockTime(Duration.ofMillis(150));

        assertThat(recorder.batches).containsExactly(4, 2);
        assertThat(recorder.waits).hasSize(6).allSatisfy(w -> assertThat(w).isNotNegative());
        // One clock reading ends the wait of a whole batch, so the earlier a record came, the longer it waited.
        assertThat(recorder.waits.subList(0, 4)).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(recorder.waits.subList(4, 6)).isSortedAccordingTo(Comparator.reverseOrder());
    }

    @Test
    void shouldTimeNoBufferWaitForAListenerThatDoesNotAsk() {
        models.swap(new ThresholdScorer(1, 10));
        WaitRecorder recorder = new WaitRecorder(false);
        listener = recorder;
        start(Map.of());
        IntStream.range(0, 4).forEach(i -> send(record("a", i, 1)));

        assertThat(recorder.batches).containsExactly(4);
        assertThat(recorder.waits).isEmpty();
    }

    @Test
    void shouldKeepInputOrderAndDeterministicIds() {
        models.swap(new ThresholdScorer(7, 10));
        start(Map.of());
        IntStream.range(0, 10).forEach(i -> send(record("a", i, i)));
        driver.advanceWallClockTime(Duration.ofMillis(200));
        List<JsonNode> out = read(scores);
        assertThat(out).extracting(s -> s.get("offset").asLong()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(out).extracting(s -> s.get("id").asText()).startsWith("in:0:0", "in:0:1");
        assertThat(out).allSatisfy(s -> assertThat(s.get("model_version").asLong()).isEqualTo(7));
    }

    @Test
    void shouldScoreWithTheConfiguredTensorFlowThreadsNotTheTrainingOnes() {
        start(Map.of(VigilConfig.SCORE_THREADS, "3"));
        double[] scores = new java.util.Random(1).doubles(2_000).map(d -> 5 + d).toArray();
        dev.vigil.model.ModelBundle bundle = dev.vigil.model.Bundles.random(SPEC, 1L).withVersion(1)
                .withCalibration(dev.vigil.calibration.Calibration.fit(scores, null,
                        dev.vigil.calibration.CalibrationSettings.defaults()).toBytes());
        assertThat(bundle.config().threads()).isEqualTo(1);

        driver.createInputTopic("vigil-models", new org.apache.kafka.common.serialization.LongSerializer(),
                new ByteArraySerializer()).pipeInput(1L, bundle.toBytes());

        try (ModelHolder.Lease lease = models.acquire()) {
            assertThat(lease.scorer()).isInstanceOf(dev.vigil.score.VaeBatchScorer.class);
            assertThat(((dev.vigil.score.VaeBatchScorer) lease.scorer()).threads()).isEqualTo(3);
        }
    }

    @Test
    void shouldLabelRecordsUnscoredBeforeTheFirstModel() {
        start(Map.of());
        IntStream.range(0, 4).forEach(i -> send(record("a", i, 100)));
        List<JsonNode> out = read(scores);
        assertThat(out).hasSize(4).allSatisfy(s -> {
            assertThat(s.get("outcome").asText()).isEqualTo("unscored");
            assertThat(s.has("score")).isFalse();
        });
        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void shouldFoldConsecutiveAnomaliesOfOneEntityIntoOneIncident() {
        models.swap(new ThresholdScorer(1, 10));
        start(Map.of());
        send(record("a", 1_000, 50)); // opens an incident for a
        send(record("a", 2_000, 60)); // folded
        send(record("b", 2_500, 70)); // opens one for b
        send(record("a", 3_000, 1));  // normal
        send(record("a", 9_000, 80)); // within 10 s of the last anomaly: folded
        send(record("a", 30_000, 90)); // after the cooldown: a new incident
        send(record("a", 30_001, 1));
        send(record("a", 30_002, 1));
        List<JsonNode> all = read(alerts);
        List<JsonNode> out = all.stream().filter(a -> a.get("status").asText().equals("open")).toList();
        assertThat(out).extracting(a -> a.get("entity").asText()).containsExactly("a", "b", "a");
        assertThat(out).extracting(a -> a.get("alert_id").asText()).containsExactly("in:0:0", "in:0:2", "in:0:5");
        // a's first incident closed when its next anomaly came after the cooldown: three anomalies, peak 80.
        JsonNode resolved = all.stream().filter(a -> a.get("status").asText().equals("resolved")).findFirst().orElseThrow();
        assertThat(all.indexOf(resolved)).as("resolved before a's second incident opens").isEqualTo(2);
        assertThat(resolved.get("incident_id").asText()).isEqualTo("in:0:0");
        assertThat(resolved.get("entity").asText()).isEqualTo("a");
        assertThat(resolved.get("anomalies").asLong()).isEqualTo(3);
        assertThat(resolved.get("peak_score").asDouble()).isEqualTo(80);
        assertThat(resolved.get("opened_at").asLong()).isEqualTo(1_000);
        assertThat(resolved.get("last_event_time").asLong()).isEqualTo(9_000);
        assertThat(out).allSatisfy(a -> {
            assertThat(a.get("incident_id").asText()).isEqualTo(a.get("alert_id").asText());
            assertThat(a.get("record").get("host").asText()).isEqualTo(a.get("entity").asText());
            assertThat(a.get("top_features").get(0).get("name").asText()).isEqualTo("cpu");
        });
        assertThat(read(scores)).filteredOn(s -> s.get("outcome").asText().equals("anomaly")).hasSize(5);
    }

    /**
     * An at-least-once replay after a crash: the state as of the last commit (here: empty) and the same
     * input again, processed later in wall-clock time. Every alert and every resolution it repeats must
     * carry the id it had the first time, so a consumer can drop the repeat; the ids of one run are distinct.
     */
    @Test
    void shouldRepeatTheIdsOfAlertsAndResolutionsWhenAReplayEmitsThemAgain() {
        models.swap(new ThresholdScorer(1, 10));
        List<List<JsonNode>> runs = new java.util.ArrayList<>();
        for (Instant wallClock : List.of(Instant.ofEpochMilli(0), Instant.ofEpochMilli(3_600_000))) {
            if (driver != null) {
                driver.close();
            }
            start(Map.of(VigilConfig.TRAIN_ENABLED, "false"), wallClock);
            send(record("a", 1_000, 50)); // opens an incident for a
            send(record("a", 2_000, 60)); // folded
            send(record("b", 2_500, 70)); // opens one for b
            send(record("a", 30_000, 90)); // after the cooldown: resolves a's first incident, opens a second
            driver.advanceWallClockTime(Duration.ofSeconds(11)); // b resolves: event time moved on past its cooldown
            driver.advanceWallClockTime(Duration.ofSeconds(11));
            driver.advanceWallClockTime(Duration.ofSeconds(11)); // a's second incident resolves: the partition is idle
            runs.add(read(alerts));
        }

        List<JsonNode> first = runs.get(0);
        List<JsonNode> replay = runs.get(1);
        assertThat(first).extracting(a -> a.get("status").asText() + " " + a.path("id").asText()).containsExactlyInAnyOrder(
                "open in:0:0", "open in:0:2", "open in:0:3",
                "resolved in:0:0:resolved", "resolved in:0:2:resolved", "resolved in:0:3:resolved");
        assertThat(replay).extracting(a -> a.path("id").asText())
                .containsExactlyInAnyOrderElementsOf(first.stream().map(a -> a.path("id").asText()).toList());
        assertThat(replay).filteredOn(a -> a.get("status").asText().equals("resolved"))
                .allSatisfy(r -> assertThat(r.get("resolved_time").asLong()).as("resolved later in wall-clock time")
                        .isGreaterThanOrEqualTo(3_600_000));
    }

    @Test
    void shouldResolveAQuietIncidentWithItsCountAndPeakAfterTheCooldown() {
        models.swap(new ThresholdScorer(1, 10));
        start(Map.of());
        send(record("b", 1_000, 70)); // opens an incident for b
        send(record("b", 4_000, 95)); // folded
        send(record("a", 20_000, 1)); // normal traffic goes on; b has no more anomalies
        send(record("a", 20_001, 1));
        assertThat(read(alerts)).extracting(a -> a.get("status").asText()).containsExactly("open");

        driver.advanceWallClockTime(Duration.ofSeconds(11)); // the sweep sees the partition's last input
        assertThat(alerts.isEmpty()).as("not idle for a cooldown yet").isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(11)); // a cooldown with no input at all: idle

        List<JsonNode> resolved = read(alerts);
        assertThat(resolved).hasSize(1);
        assertThat(resolved.get(0).get("status").asText()).isEqualTo("resolved");
        assertThat(resolved.get(0).get("incident_id").asText()).isEqualTo("in:0:0");
        assertThat(resolved.get(0).get("anomalies").asLong()).isEqualTo(2);
        assertThat(resolved.get(0).get("peak_score").asDouble()).isEqualTo(95);
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        assertThat(alerts.isEmpty()).as("an incident resolves once").isTrue();
    }

    @Test
    void shouldNotPageAgainForAnIncidentThatGoesOnInEventTimeAfterTheServiceWasDownLongerThanTheCooldown() {
        models.swap(new ThresholdScorer(1, 10));
        // No training topic: the test driver runs one task for the whole topology, and training samples (stamped
        // with the wall clock) would move its stream time, which in a deployment belongs to another task.
        start(Map.of(VigilConfig.TRAIN_ENABLED, "false"));
        send(record("b", 1_000, 70)); // opens an incident for b
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        // A backlog after an outage: input again, wall-clock time far past the cooldown, event time not.
        for (int i = 0; i < 8; i++) {
            // Kafka timestamps of the backlog move the task's stream time: the partition is not idle.
            input.pipeInput(new TestRecord<>(null, record("a", 2_000 + i, 1).getBytes(StandardCharsets.UTF_8),
                    Instant.ofEpochMilli(2_000 + i)));
            driver.advanceWallClockTime(Duration.ofSeconds(11));
        }
        send(record("b", 5_000, 80)); // 4 s of event time after the last anomaly: the same incident

        assertThat(read(alerts)).extracting(a -> a.get("status").asText()).containsExactly("open");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not_json        | {\"host\":\"a\",                         | not JSON",
            // A valid record followed by a second object is not one JSON value: nothing of it is scored.
            "not_json        | {\"host\":\"a\",\"ts\":1,\"cpu\":1,\"region\":\"eu\",\"up\":true}{\"host\":\"b\"} | not JSON: Trailing token",
            "not_object      | [1,2,3]                                   | not an object",
            "missing_field   | {\"host\":\"a\",\"ts\":1,\"region\":\"eu\",\"up\":true} | 'cpu' is missing",
            "wrong_type      | {\"host\":\"a\",\"ts\":1,\"cpu\":\"high\",\"region\":\"eu\",\"up\":true} | 'cpu' must be a number",
            "non_finite      | {\"host\":\"a\",\"ts\":1,\"cpu\":NaN,\"region\":\"eu\",\"up\":true} | only finite numbers",
            // Python's json.dumps writes float('inf') as these literals.
            "non_finite      | {\"host\":\"a\",\"ts\":1,\"cpu\":Infinity,\"region\":\"eu\",\"up\":true} | 'cpu' is Infinity; only finite",
            "non_finite      | {\"host\":\"a\",\"ts\":1,\"cpu\":-Infinity,\"region\":\"eu\",\"up\":true} | 'cpu' is -Infinity; only finite",
            // A valid JSON number beyond the double range parses to Infinity.
            "non_finite      | {\"host\":\"a\",\"ts\":1,\"cpu\":1e400,\"region\":\"eu\",\"up\":true} | 'cpu' is Infinity; only finite",
            "unknown_category| {\"host\":\"a\",\"ts\":1,\"cpu\":1,\"region\":\"mars\",\"up\":true} | unknown category 'mars'",
            "bad_timestamp   | {\"host\":\"a\",\"ts\":\"yesterday\",\"cpu\":1,\"region\":\"eu\",\"up\":true} | timestamp field 'ts'",
            "wrong_type      | {\"host\":\"a\",\"ts\":1,\"cpu\":1,\"region\":\"eu\",\"up\":\"yes\"} | must be true or false",
    })
    void shouldRouteUnscorableValuesToTheDeadLetterTopicWithTheReason(String errorClass, String value, String reason) {
        start(Map.of());
        send(value);
        List<TestRecord<byte[], byte[]>> out = deadLetters.readRecordsToList();
        assertThat(out).hasSize(1);
        TestRecord<byte[], byte[]> dead = out.get(0);
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo(value);
        assertThat(header(dead, DeadLetters.ERROR_CLASS)).isEqualTo(errorClass.strip());
        assertThat(header(dead, DeadLetters.ERROR_REASON)).contains(reason.strip());
        assertThat(header(dead, DeadLetters.SOURCE_TOPIC)).isEqualTo("in");
        assertThat(header(dead, DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(header(dead, DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
        driver.advanceWallClockTime(Duration.ofMillis(200));
        assertThat(scores.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterValuesLargerThanTheMaximum() {
        start(Map.of(VigilConfig.MAX_RECORD_BYTES, "100"));
        String value = "{\"host\":\"a\",\"pad\":\"" + "x".repeat(200) + "\"}";
        send(value);
        TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
        assertThat(header(dead, DeadLetters.ERROR_CLASS)).isEqualTo("too_large");
        assertThat(header(dead, DeadLetters.ERROR_REASON))
                .isEqualTo("the value has " + value.length() + " bytes, more than the maximum 100");
    }

    @Test
    void shouldDeadLetterEmptyValuesAndKeepScoringAfterBadInput() {
        models.swap(new ThresholdScorer(1, 10));
        start(Map.of(VigilConfig.BATCH_MAX_RECORDS, "1"));
        input.pipeInput(new TestRecord<>(null, new byte[0]));
        send(record("a", 1, 1));
        TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
        assertThat(header(dead, DeadLetters.ERROR_CLASS)).isEqualTo("empty_value");
        assertThat(header(dead, DeadLetters.ERROR_REASON)).isEqualTo("the value is empty");
        assertThat(read(scores)).extracting(s -> s.get("offset").asLong()).containsExactly(1L);
    }

    @Test
    void shouldScoreEveryTopicMatchingTheInputPatternAndNoOther() {
        models.swap(new ThresholdScorer(1, 10));
        start(Map.of(VigilConfig.INPUT_PATTERN, "metrics-.*", VigilConfig.BATCH_MAX_RECORDS, "1"));
        ByteArraySerializer ser = new ByteArraySerializer();
        TestInputTopic<byte[], byte[]> eu = driver.createInputTopic("metrics-eu", ser, ser);
        TestInputTopic<byte[], byte[]> us = driver.createInputTopic("metrics-us", ser, ser);
        TestInputTopic<byte[], byte[]> logs = driver.createInputTopic("logs", ser, ser);

        eu.pipeInput(record("a", 1, 1).getBytes(StandardCharsets.UTF_8));
        us.pipeInput(record("b", 2, 1).getBytes(StandardCharsets.UTF_8));
        us.pipeInput(new byte[0]);

        // (The driver numbers offsets across the whole pattern, not per topic: only the topics are compared.)
        assertThat(read(scores)).extracting(s -> s.get("topic").asText()).containsExactly("metrics-eu", "metrics-us");
        assertThat(header(deadLetters.readRecord(), DeadLetters.SOURCE_TOPIC)).isEqualTo("metrics-us");
        // The driver refuses records for a topic no source subscribes to: the pattern does not take "logs".
        assertThatThrownBy(() -> logs.pipeInput(record("c", 3, 1).getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logs");
    }

    @Test
    void shouldTreatAMissingOptionalFeatureAsMissingNotAsAnError() {
        models.swap(new ThresholdScorer(1, 10));
        start(Map.of(VigilConfig.BATCH_MAX_RECORDS, "1"));
        send("{\"host\":\"a\",\"ts\":1,\"cpu\":1,\"region\":\"us\",\"up\":false}");
        assertThat(read(scores)).hasSize(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldNotWriteScoresWhenTurnedOffButStillAlert() {
        models.swap(new ThresholdScorer(1, 10));
        start(Map.of(VigilConfig.SCORES_ENABLED, "false", VigilConfig.BATCH_MAX_RECORDS, "1"));
        send(record("a", 1, 50));
        assertThat(scores.isEmpty()).isTrue();
        assertThat(read(alerts)).hasSize(1);
    }

    @Test
    void shouldSampleTheConfiguredShareOfRecordsIntoTheTrainingTopic() {
        models.swap(new ThresholdScorer(1, 10));
        start(Map.of(VigilConfig.TRAIN_SAMPLE_RATE, "0.25", VigilConfig.BATCH_MAX_RECORDS, "100"));
        IntStream.range(0, 4000).forEach(i -> send(record("a", i, 1)));
        TestOutputTopic<byte[], byte[]> training = driver.createOutputTopic("vigil-training-sample",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // 4000 * 0.25 = 1000, standard deviation about 27: five of them either way.
        assertThat(training.readValuesToList()).hasSizeBetween(863, 1137);
    }

    @Test
    void shouldKeepTheTopologyDescriptionStable() throws IOException {
        VigilConfig config = VigilConfig.of(Map.of(VigilConfig.INPUT_TOPICS, "in"));
        String described = VigilTopology.build(VigilSettings.from(config), SPEC, models, VigilTopology.Listener.NONE, null)
                .describe().toString();
        assertThat(VigilTopology.build(VigilSettings.from(config), SPEC, models, VigilTopology.Listener.NONE, new UnscoredOffsets())
                .describe().toString()).as("held commits keep the buffer store, so an upgrade still scores what it holds")
                .isEqualTo(described);
        Path golden = Path.of("src/test/resources/topology-description.txt");
        if (Boolean.getBoolean("vigil.updateGolden")) {
            Files.writeString(golden, described);
        }
        assertThat(described)
                .as("Topology changed: renamed stores or processors lose state on upgrade. If intended, run with -Dvigil.updateGolden=true")
                .isEqualTo(Files.readString(golden));
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
