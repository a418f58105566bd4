package dev.vigil.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.calibration.Calibration;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.UnscoredOffsets;
import dev.vigil.train.Retrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rolling window and the model lifecycle, on the test driver with a real (small) VAE. */
class RetrainingTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FeatureSpec SPEC = FeatureSpec.numeric(List.of("a", "b", "c"));

    @TempDir
    Path stateDir;

    private final ModelHolder models = new ModelHolder();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private TestOutputTopic<byte[], byte[]> scores;
    private TestOutputTopic<Long, byte[]> published;
    private final Random random = new Random(11);
    private long time;
    /** How far the driver's wall clock was advanced, ms: the window's clock. */
    private long wallClock;

    private void start(Map<String, String> overrides) {
        start(overrides, VigilTopology.Listener.NONE);
    }

    private void start(Map<String, String> overrides, VigilTopology.Listener listener) {
        Map<String, String> props = new HashMap<>(Map.of(
                VigilConfig.INPUT_TOPICS, "in",
                VigilConfig.BATCH_MAX_RECORDS, "50",
                VigilConfig.TRAIN_SAMPLE_RATE, "1.0",
                VigilConfig.TRAIN_MIN_RECORDS, "1000",
                VigilConfig.TRAIN_RETRAIN_RECORDS, "100000",
                VigilConfig.TRAIN_EPOCHS, "40",
                VigilConfig.MODEL_KEEP_VERSIONS, "2"));
        props.putAll(overrides);
        Properties streams = new Properties();
        streams.put(StreamsConfig.APPLICATION_ID_CONFIG, "vigil-retrain-test");
        streams.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(VigilTopology.build(VigilSettings.from(VigilConfig.of(props)), SPEC, models, listener,
                        new UnscoredOffsets()),
                streams, Instant.ofEpochMilli(0));
        input = driver.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer());
        scores = driver.createOutputTopic("vigil-scores", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        published = driver.createOutputTopic("vigil-models", new LongDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
        models.close();
    }

    /** Normal traffic: b = 2a, c independent. */
    private void sendNormal(int n) {
        for (int i = 0; i < n; i++) {
            double a = random.nextGaussian();
            send(a, 2 * a + 0.1 * random.nextGaussian(), random.nextGaussian());
        }
    }

    private void send(double a, double b, double c) {
        String v = String.format("{\"a\":%f,\"b\":%f,\"c\":%f}", a, b, c);
        input.pipeInput(new TestRecord<>(null, v.getBytes(StandardCharsets.UTF_8), Instant.ofEpochMilli(time += 100)));
    }

    /** Ticks the window's punctuator (wall clock) until {@code done}, giving the trainer thread real time. */
    private void tickUntil(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            wallClock += 1000;
            Thread.sleep(50);
        }
    }

    /** Every score written so far, after the partial batch's wait ran out. */
    private List<JsonNode> readScores() {
        driver.advanceWallClockTime(Duration.ofMillis(10));
        wallClock += 10;
        List<JsonNode> out = new ArrayList<>();
        for (byte[] v : scores.readValuesToList()) {
            try {
                out.add(JSON.readTree(v));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    @Test
    void shouldTrainAndPublishTheFirstModelOnceTheWindowHoldsTheMinimumAndScoreWithItAfterwards() throws Exception {
        start(Map.of());
        sendNormal(1000);
        List<JsonNode> coldStart = readScores();
        assertThat(coldStart).hasSize(1000).allSatisfy(s -> assertThat(s.get("outcome").asText()).isEqualTo("unscored"));

        List<TestRecord<Long, byte[]>> versions = new ArrayList<>();
        tickUntil("the first model", () -> {
            versions.addAll(published.readRecordsToList());
            return !versions.isEmpty();
        });
        assertThat(versions).hasSize(1);
        assertThat(versions.get(0).key()).isEqualTo(1L);
        assertThat(ModelBundle.fromBytes(versions.get(0).value(), SPEC).version()).isEqualTo(1);
        assertThat(models.currentVersion()).as("the global store loaded it").isEqualTo(1);

        sendNormal(100);
        send(0, 8, 0); // far off the b = 2a line
        List<JsonNode> scored = readScores();
        assertThat(scored).hasSize(101).allSatisfy(s -> assertThat(s.get("model_version").asLong()).isEqualTo(1));
        assertThat(scored.get(100).get("outcome").asText()).isEqualTo("anomaly");
        assertThat(scored.subList(0, 100)).filteredOn(s -> s.get("outcome").asText().equals("anomaly")).hasSizeLessThan(5);
    }

    @Test
    void shouldKeepAShortBurstOfAnomaliesOutOfTheWindowAndTombstoneOldVersions() throws Exception {
        start(Map.of(VigilConfig.TRAIN_RETRAIN_RECORDS, "1000"));
        sendNormal(1000);
        tickUntil("v1", () -> models.currentVersion() == 1);
        for (int i = 0; i < 300; i++) {
            send(random.nextGaussian(), 8 + random.nextGaussian(), 0); // a burst of anomalies: none may enter the window
        }
        sendNormal(1100);
        tickUntil("v2", () -> models.currentVersion() == 2);
        sendNormal(1100);
        tickUntil("v3", () -> models.currentVersion() == 3);

        List<TestRecord<Long, byte[]>> versions = published.readRecordsToList();
        assertThat(versions).extracting(TestRecord::key).containsExactly(1L, 2L, 3L, 1L);
        assertThat(versions.get(3).value()).as("v1 tombstoned, keeping 2 versions").isNull();

        readScores();
        for (int i = 0; i < 50; i++) {
            send(random.nextGaussian(), 8 + random.nextGaussian(), 0);
        }
        assertThat(readScores()).as("models retrained after the burst still flag it")
                .allSatisfy(s -> assertThat(s.get("outcome").asText()).isEqualTo("anomaly"));
    }

    @Test
    void shouldPublishADriftedCalibrationOfTheSameWeightsAsTheNextVersionWhenDriftIsOn() throws Exception {
        start(Map.of(VigilConfig.DRIFT_ENABLED, "true", VigilConfig.DRIFT_WEIGHT, "1.0",
                VigilConfig.DRIFT_UPDATE_RECORDS, "300", VigilConfig.DRIFT_INTERVAL_MS, "3000"));
        sendNormal(1000);
        tickUntil("v1", () -> models.currentVersion() == 1);
        ModelBundle first = ModelBundle.fromBytes(published.readRecordsToList().get(0).value(), SPEC);
        Calibration before = Calibration.fromBytes(first.calibration());
        assertThat(before.settings().driftEnabled()).isTrue();

        // Still normal, but every score a little higher: c's noise grows.
        for (int i = 0; i < 400; i++) {
            double a = random.nextGaussian();
            send(a, 2 * a + 0.1 * random.nextGaussian(), 1.4 * random.nextGaussian());
        }
        tickUntil("the drift update", () -> models.currentVersion() == 2);

        ModelBundle second = ModelBundle.fromBytes(published.readRecordsToList().get(0).value(), SPEC);
        Calibration after = Calibration.fromBytes(second.calibration());
        assertThat(after.version()).isEqualTo(before.version() + 1);
        assertThat(after.threshold()).as("the threshold followed the scores up").isGreaterThan(before.threshold());
        assertThat(second.weights().keySet()).isEqualTo(first.weights().keySet());
        second.weights().forEach((name, w) -> assertThat(w.values()).as(name).isEqualTo(first.weights().get(name).values()));
        sendNormal(10);
        assertThat(readScores()).last().satisfies(s -> {
            assertThat(s.get("model_version").asLong()).isEqualTo(2);
            assertThat(s.get("calibration_version").asLong()).isEqualTo(after.version());
        });
    }

    @Test
    void shouldSpaceTheNextRetrainingByTheLastRunsWallClockDuration() throws Exception {
        // A share of 1% makes the wait 99 times the last run; 1,000 new samples would make it due at once.
        start(Map.of(VigilConfig.TRAIN_RETRAIN_RECORDS, "1000", VigilConfig.TRAIN_RETRAIN_MAX_TIME_SHARE, "0.01"));
        sendNormal(1000);
        tickUntil("v1", () -> models.currentVersion() == 1);
        ModelBundle v1 = ModelBundle.fromBytes(published.readRecordsToList().get(0).value(), SPEC);
        long publishedAt = wallClock;
        sendNormal(1100);
        tickUntil("v2", () -> models.currentVersion() == 2);

        long waited = wallClock - publishedAt;
        // v1's run took at least its (second) fit's time; the ticks come a second apart.
        assertThat(waited).as("wall-clock ms between v1 and v2")
                .isGreaterThanOrEqualTo((long) (99 * 1000 * v1.training().seconds()) - 1000);
    }

    @Test
    void shouldCancelTheOrdinaryRetrainingInFlightWhenAShiftIsDetected() throws Exception {
        List<Retrainer.Outcome> outcomes = new ArrayList<>();
        int[] shifts = {0};
        VigilTopology.Listener listener = new VigilTopology.Listener() {
            @Override
            public void trainingFinished(Retrainer.Outcome outcome) {
                outcomes.add(outcome);
            }

            @Override
            public void shiftDetected() {
                shifts[0]++;
            }
        };
        // Ordinary runs paced to 5% of a core, so that one is still running when the shift comes; no spacing.
        start(Map.of(VigilConfig.TRAIN_RETRAIN_RECORDS, "1000", VigilConfig.TRAIN_CPU_SHARE, "0.05",
                VigilConfig.TRAIN_RETRAIN_MAX_TIME_SHARE, "1.0", VigilConfig.TRAIN_SHIFT_MIN_DURATION, "3000"), listener);
        sendNormal(1000);
        tickUntil("v1", () -> models.currentVersion() == 1);
        sendNormal(1100); // over 1,000 admitted (a few fall in the calibration band)
        driver.advanceWallClockTime(Duration.ofSeconds(1)); // the window's tick starts an ordinary retraining
        wallClock += 1000;
        assertThat(outcomes).as("the ordinary run is still in flight").hasSize(1);
        for (int i = 0; i < 1000; i++) { // a new normal: c moved by six of its spreads
            double a = random.nextGaussian();
            send(a, 2 * a + 0.1 * random.nextGaussian(), 6 + random.nextGaussian());
        }
        tickUntil("a model of the new normal", () -> models.currentVersion() == 2);

        assertThat(shifts[0]).isEqualTo(1);
        assertThat(outcomes).as("the first model, then the shift's first round; the ordinary run reported nothing").hasSize(2);
        Retrainer.Outcome round = outcomes.get(1);
        assertThat(round.result()).isEqualTo(Retrainer.Result.PROMOTED);
        assertThat(round.bundle().training().records()).as("trained on the new normal alone").isLessThan(1000);
    }
}
