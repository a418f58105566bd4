package dev.vigil.backtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.score.Alert;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.UnscoredOffsets;
import dev.vigil.topology.VigilTopology;
import dev.vigil.train.Retrainer;
import dev.vigil.train.TrainingRuns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * Replays time-ordered history through the service's own topology ({@link VigilTopology}): the
 * same parsing, context, scoring, calibration, incident folding, rolling window, retraining
 * schedule, validation gate and model loading. Nothing is re-implemented for the replay.
 *
 * <p>The topology runs in Kafka Streams' {@link TopologyTestDriver}, a single-threaded driver of a
 * real topology with in-memory topics, whose wall clock we set. The clock follows event time: before
 * each record it moves to the record's timestamp, so every rule that runs on the wall clock in the
 * service (the retraining interval, the incident cooldown, the batch wait) runs on event time here.
 * Trainings run inline ({@link TrainingRuns#INLINE}): the replay waits for each, and its model takes
 * effect at the event time it was due. Only what costs real time differs: a training is never paced
 * to a share of a core, since nothing waits on the replay.
 */
public final class Backtest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DRAIN_EVERY = 2_000;

    private final VigilSettings settings;
    private final FeatureSpec spec;

    /** {@code settings}: the service's settings, with the scores topic on (the replay reads each outcome there). */
    public Backtest(VigilSettings settings, FeatureSpec spec) {
        if (!settings.topics().scoresEnabled()) {
            throw new IllegalArgumentException("a backtest reads every outcome from the scores topic: vigil.scores.enabled must be true");
        }
        if (settings.topics().inputPattern() != null) {
            throw new IllegalArgumentException("a backtest replays into the first of vigil.input.topics: unset vigil.input.pattern");
        }
        this.settings = settings;
        this.spec = spec;
    }

    /**
     * Replays {@code records} (in event-time order, as {@link BacktestInput} gives them).
     *
     * @param source   what they are, for the report
     * @param given    a model to start from (published as v1 before the first record), or null for a cold start
     * @param progress told the number of records replayed so far, now and then
     */
    public BacktestResult run(String source, List<BacktestInput.Replayed> records, ModelBundle given,
                              Consumer<Long> progress) throws IOException {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("nothing to replay: " + source + " has no records");
        }
        Path stateDir = stateDir();
        Recorder recorder = new Recorder();
        String inputTopic = settings.topics().input().get(0);
        VigilSettings.Topics topics = settings.topics();
        try (ModelHolder models = new ModelHolder();
             TopologyTestDriver driver = new TopologyTestDriver(
                     VigilTopology.build(settings, spec, models, recorder, TrainingRuns.INLINE, new UnscoredOffsets()),
                     streamsProperties(stateDir), Instant.ofEpochMilli(records.get(0).timestamp()))) {
            TestInputTopic<byte[], byte[]> input = driver.createInputTopic(inputTopic, new ByteArraySerializer(), new ByteArraySerializer());
            Outputs out = new Outputs(driver, topics, recorder);
            long clock = records.get(0).timestamp();
            recorder.clock = clock;
            if (given != null) {
                TestInputTopic<Long, byte[]> modelsIn = driver.createInputTopic(topics.models(), new LongSerializer(), new ByteArraySerializer());
                modelsIn.pipeInput(new TestRecord<>(1L, given.withVersion(1).toBytes(), Instant.ofEpochMilli(clock)));
                recorder.models.add(new BacktestResult.ModelRow(clock, 1, "given", "the model given with --model", 0));
            }
            long replayed = 0;
            for (BacktestInput.Replayed r : records) {
                if (r.timestamp() > clock) {
                    driver.advanceWallClockTime(java.time.Duration.ofMillis(r.timestamp() - clock));
                    clock = r.timestamp();
                    recorder.clock = clock;
                }
                input.pipeInput(new TestRecord<>(r.key(), r.value(), Instant.ofEpochMilli(r.timestamp())));
                if (++replayed % DRAIN_EVERY == 0) {
                    out.drain();
                    progress.accept(replayed);
                }
            }
            // The last partial batch waits for its timer, as in the service.
            driver.advanceWallClockTime(settings.scoring().batchMaxWait().plusMillis(1));
            out.drain();
            progress.accept(replayed);
            return recorder.result(source, records.size());
        } finally {
            Utils.delete(stateDir.toFile());
        }
    }

    /**
     * A fresh directory for the replay's stores, deleted after it. Not under the OS temp directory,
     * where Kafka Streams warns that the OS may clean it: under {@code ~/.cache/vigil} when it can be made.
     */
    private static Path stateDir() throws IOException {
        try {
            Path cache = Files.createDirectories(Path.of(System.getProperty("user.home"), ".cache", "vigil"));
            return Files.createTempDirectory(cache, "backtest-");
        } catch (IOException | SecurityException e) {
            return Files.createTempDirectory("vigil-backtest-");
        }
    }

    private static Properties streamsProperties(Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "vigil-backtest");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "backtest:9092"); // never contacted: the driver has no cluster
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return p;
    }

    /** Reads what the topology wrote, and drops the changelogs' copies so a long replay holds no more than it needs. */
    private static final class Outputs {
        private final TopologyTestDriver driver;
        private final Recorder recorder;
        private final TestOutputTopic<byte[], byte[]> scores;
        private final TestOutputTopic<byte[], byte[]> alerts;
        private final TestOutputTopic<byte[], byte[]> deadLetters;
        private final TestOutputTopic<Long, byte[]> models;
        private final Set<String> read;

        Outputs(TopologyTestDriver driver, VigilSettings.Topics topics, Recorder recorder) {
            this.driver = driver;
            this.recorder = recorder;
            ByteArrayDeserializer bytes = new ByteArrayDeserializer();
            this.scores = driver.createOutputTopic(topics.scores(), bytes, bytes);
            this.alerts = driver.createOutputTopic(topics.alerts(), bytes, bytes);
            this.deadLetters = driver.createOutputTopic(topics.deadLetters(), bytes, bytes);
            this.models = driver.createOutputTopic(topics.models(), new LongDeserializer(), bytes);
            this.read = Set.of(topics.scores(), topics.alerts(), topics.deadLetters(), topics.models());
        }

        void drain() {
            for (byte[] v : scores.readValuesToList()) {
                recorder.score(tree(v));
            }
            for (byte[] v : alerts.readValuesToList()) {
                recorder.alert(tree(v), new String(v, java.nio.charset.StandardCharsets.UTF_8));
            }
            recorder.deadLetters += deadLetters.getQueueSize();
            deadLetters.readValuesToList();
            for (TestRecord<Long, byte[]> m : models.readRecordsToList()) {
                if (m.value() != null) {
                    recorder.published(m.key(), m.timestamp());
                }
            }
            for (String topic : driver.producedTopicNames()) {
                if (!read.contains(topic)) {
                    driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer()).readValuesToList();
                }
            }
        }

        private static JsonNode tree(byte[] v) {
            try {
                return JSON.readTree(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Gathers the replay's outcomes: from the output topics, and from the topology's listener for what no topic shows. */
    private static final class Recorder implements VigilTopology.Listener {
        long clock;
        long deadLetters;
        final List<BacktestResult.Point> points = new ArrayList<>();
        final List<BacktestResult.AlertRow> alerts = new ArrayList<>();
        final List<BacktestResult.ModelRow> models = new ArrayList<>();
        /** Promoted runs waiting for the version the models topic gives them. */
        final List<Retrainer.Outcome> promoted = new ArrayList<>();
        final Map<String, long[]> entities = new HashMap<>(); // records, anomalies, alerts
        final Map<LocalDate, long[]> days = new TreeMap<>(); // records, anomalies, alerts
        final Map<LocalDate, Set<String>> incidents = new TreeMap<>();

        void score(JsonNode s) {
            long time = s.path("event_time").asLong();
            String outcome = s.path("outcome").asText();
            boolean anomaly = outcome.equals("anomaly");
            boolean scored = s.hasNonNull("score");
            points.add(new BacktestResult.Point(time, scored ? s.get("score").asDouble() : Double.NaN,
                    s.hasNonNull("threshold") ? s.get("threshold").asDouble() : Double.NaN, anomaly,
                    s.path("model_version").asLong(0)));
            long[] e = entities.computeIfAbsent(entity(s), k -> new long[3]);
            long[] d = days.computeIfAbsent(day(time), k -> new long[3]);
            e[0]++;
            d[0]++;
            if (anomaly) {
                e[1]++;
                d[1]++;
            }
        }

        void alert(JsonNode a, String json) {
            if (!"open".equals(a.path("status").asText())) {
                return; // a resolution: the alerts table lists what paged
            }
            long time = a.path("event_time").asLong();
            List<BacktestResult.Feature> top = new ArrayList<>();
            for (JsonNode f : a.path("top_features")) {
                top.add(new BacktestResult.Feature(f.path("name").asText(), f.path("share").asDouble(),
                        f.hasNonNull("words") ? f.get("words").asText() : null));
            }
            alerts.add(new BacktestResult.AlertRow(a.path("kind").asText(), time, a.hasNonNull("entity") ? a.get("entity").asText() : null,
                    a.hasNonNull("score") ? a.get("score").asDouble() : Double.NaN,
                    a.hasNonNull("threshold") ? a.get("threshold").asDouble() : Double.NaN,
                    a.hasNonNull("severity") ? a.get("severity").asText() : null,
                    a.hasNonNull("incident_id") ? a.get("incident_id").asText() : null, List.copyOf(top), json));
            entities.computeIfAbsent(entity(a), k -> new long[3])[2]++;
            days.computeIfAbsent(day(time), k -> new long[3])[2]++;
        }

        void published(long version, long time) {
            if (!promoted.isEmpty()) {
                Retrainer.Outcome o = promoted.remove(0);
                models.add(new BacktestResult.ModelRow(time, version, o.result().label(), o.reason(), o.seconds()));
            } else {
                models.add(new BacktestResult.ModelRow(time, version, "drift", "a drift update of the calibration", 0));
            }
        }

        @Override
        public void trainingFinished(Retrainer.Outcome outcome) {
            if (outcome.result() == Retrainer.Result.PROMOTED) {
                promoted.add(outcome);
            } else {
                models.add(new BacktestResult.ModelRow(clock, 0, outcome.result().label(), outcome.reason(), outcome.seconds()));
            }
        }

        @Override
        public void alerted(Alert alert) {
            incident(alert);
        }

        @Override
        public void folded(Alert alert) {
            incident(alert);
        }

        private void incident(Alert alert) {
            incidents.computeIfAbsent(day(alert.eventTime()), k -> new HashSet<>()).add(alert.incidentId());
        }

        BacktestResult result(String source, long records) {
            long scored = points.stream().filter(p -> !Double.isNaN(p.score())).count();
            long anomalies = points.stream().filter(BacktestResult.Point::anomaly).count();
            List<BacktestResult.DayRow> dayRows = new ArrayList<>();
            days.forEach((day, c) -> dayRows.add(new BacktestResult.DayRow(day, c[0], c[1], c[2],
                    incidents.getOrDefault(day, Set.of()).size())));
            List<BacktestResult.EntityRow> top = entities.entrySet().stream()
                    .map(e -> new BacktestResult.EntityRow(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]))
                    .sorted(Comparator.comparingLong(BacktestResult.EntityRow::alerts).reversed()
                            .thenComparing(Comparator.comparingLong(BacktestResult.EntityRow::anomalies).reversed())
                            .thenComparing(BacktestResult.EntityRow::entity))
                    .limit(10).toList();
            List<BacktestResult.ModelRow> modelRows = new ArrayList<>(models);
            modelRows.sort(Comparator.comparingLong(BacktestResult.ModelRow::eventTime)); // stable: run order within a tick
            return new BacktestResult(source, records, scored, anomalies, points.size() - scored, deadLetters,
                    List.copyOf(points), List.copyOf(alerts), List.copyOf(modelRows), List.copyOf(dayRows), top);
        }

        private static String entity(JsonNode n) {
            return n.hasNonNull("entity") ? n.get("entity").asText() : "(none)";
        }

        private static LocalDate day(long epochMs) {
            return Instant.ofEpochMilli(epochMs).atZone(ZoneOffset.UTC).toLocalDate();
        }
    }
}
