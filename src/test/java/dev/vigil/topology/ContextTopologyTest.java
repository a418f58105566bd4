package dev.vigil.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.context.ContextFeatures;
import dev.vigil.context.ContextTracker;
import dev.vigil.context.EntityState;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec.Feature;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.FeatureType;
import dev.vigil.ingest.InvalidRecordException;
import dev.vigil.ingest.ParsedRecord;
import dev.vigil.ingest.RecordParser;
import dev.vigil.score.ModelHolder;
import dev.vigil.score.UnscoredOffsets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The context stage in the topology: where it sits and what it is called, that the scorer gets the
 * context the offline commands compute, and how state, replays, disorder and silence behave.
 * Records are piped with their event time as Kafka timestamp unless a test says otherwise.
 */
class ContextTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FeatureSpec SPEC = new FeatureSpec("host", "ts", List.of(
            Feature.numeric("cpu"),
            Feature.numeric("mem").asOptional(),
            Feature.categorical("region", List.of("eu", "us")),
            new Feature("up", FeatureType.BOOLEAN, false, null)), ContextSettings.defaults());
    /** Named after {@code kafka.application.id} below. */
    private static final String REPARTITION = "vigil-test-vigil-context-repartition";

    @TempDir
    Path stateDir;

    private final ModelHolder models = new ModelHolder();
    /** Threshold far above every cpu value: all normal, and every row the scorer saw is kept. */
    private final ThresholdScorer scorer = new ThresholdScorer(1, 1e9);
    private final Map<String, Long> entitiesHeld = new ConcurrentHashMap<>();
    private final RecordParser parser = new RecordParser(SPEC, 1 << 20, false);
    private TopologyTestDriver driver;
    private final Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();
    private TestOutputTopic<byte[], byte[]> alerts;
    private TestOutputTopic<byte[], byte[]> scores;

    private static VigilConfig config(Map<String, String> overrides) {
        Map<String, String> props = new HashMap<>(Map.of(
                VigilConfig.BATCH_MAX_RECORDS, "1",
                VigilConfig.INPUT_TOPICS, "in",
                // Training samples are stamped with the wall clock; in the driver's single task they would move the
                // stream time that silence and expiry are swept by.
                VigilConfig.TRAIN_ENABLED, "false",
                "kafka.application.id", "vigil-test"));
        props.putAll(overrides);
        return VigilConfig.of(props);
    }

    private void start(Map<String, String> overrides) {
        VigilConfig config = config(overrides);
        Properties streams = new Properties();
        streams.put(StreamsConfig.APPLICATION_ID_CONFIG, "vigil-test");
        streams.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        models.swap(scorer);
        driver = new TopologyTestDriver(VigilTopology.build(VigilSettings.from(config), SPEC, models, listener(), new UnscoredOffsets()),
                streams);
        ByteArraySerializer ser = new ByteArraySerializer();
        for (String topic : config.inputTopics()) {
            inputs.put(topic, driver.createInputTopic(topic, ser, ser));
        }
        ByteArrayDeserializer de = new ByteArrayDeserializer();
        alerts = driver.createOutputTopic("vigil-alerts", de, de);
        scores = driver.createOutputTopic("vigil-scores", de, de);
    }

    /** A topology listener that only keeps the entity counts the context processor reports. */
    private VigilTopology.Listener listener() {
        return (VigilTopology.Listener) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {VigilTopology.Listener.class}, (proxy, method, args) -> {
                    if (method.getName().equals("entitiesHeld")) {
                        entitiesHeld.put((String) args[0], (Long) args[1]);
                    }
                    // Default methods keep their defaults (a null boolean would not unbox).
                    return method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, args) : null;
                });
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    /** {@code ts} is written as an ISO-8601 instant: an integer this small would be read as epoch seconds. */
    private static String value(String host, long ts, double cpu, Double mem, String region, boolean up) {
        return "{\"host\":\"" + host + "\",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\",\"cpu\":" + cpu + (mem == null ? "" : ",\"mem\":" + mem)
                + ",\"region\":\"" + region + "\",\"up\":" + up + "}";
    }

    private static String value(String host, long ts) {
        return value(host, ts, 1.0, 0.5, "eu", true);
    }

    /** Pipes {@code value} into {@code topic} with {@code kafkaTime} as its Kafka timestamp. */
    private void send(String topic, String value, long kafkaTime) {
        inputs.get(topic).pipeInput(new TestRecord<>(null, value.getBytes(StandardCharsets.UTF_8), Instant.ofEpochMilli(kafkaTime)));
    }

    private void send(String value, long kafkaTime) {
        send("in", value, kafkaTime);
    }

    private double[] features(String value) {
        try {
            return parser.parse(null, value.getBytes(StandardCharsets.UTF_8), 0).features();
        } catch (InvalidRecordException e) {
            throw new AssertionError(e);
        }
    }

    private List<JsonNode> silenceRecords() {
        return alerts.readValuesToList().stream().map(ContextTopologyTest::json)
                .filter(a -> a.get("kind").asText().equals("silent")).toList();
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rows as their bits, so that equal means bit for bit (NaN included). */
    private static List<List<Long>> bits(List<double[]> rows) {
        return rows.stream().map(r -> Arrays.stream(r).mapToObj(Double::doubleToRawLongBits).toList()).toList();
    }

    private EntityState stored(String entity) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(VigilTopology.Names.CONTEXT_STORE);
        byte[] bytes = store.get(entity);
        return bytes == null ? null : EntityState.fromBytes(bytes);
    }

    @Test
    void shouldPinTheContextNodesStoreAndRepartitionTopicAndLeaveASpecWithoutContextAsItWas() throws IOException {
        VigilSettings settings = VigilSettings.from(VigilConfig.of(Map.of(VigilConfig.INPUT_TOPICS, "in")));
        String described = VigilTopology.build(settings, SPEC, models, VigilTopology.Listener.NONE, null).describe().toString();
        Path golden = Path.of("src/test/resources/topology-description-context.txt");
        if (Boolean.getBoolean("vigil.updateGolden")) {
            Files.writeString(golden, described);
        }
        assertThat(described)
                .as("Topology changed: renamed stores, processors or topics lose state on upgrade. If intended, run with -Dvigil.updateGolden=true")
                .isEqualTo(Files.readString(golden))
                .contains("Sink: vigil-context-repartition-sink (topic: vigil-vigil-context-repartition)")
                .contains("Source: vigil-context-repartition-source (topics: [vigil-vigil-context-repartition])")
                .contains("Processor: vigil-context (stores: [vigil-context-store])")
                .contains("Sink: vigil-silence-sink (topic: vigil-alerts)");

        VigilSettings keyed = VigilSettings.from(VigilConfig.of(Map.of(VigilConfig.INPUT_TOPICS, "in",
                VigilConfig.CONTEXT_INPUT_KEYED_BY_ENTITY, "true")));
        assertThat(VigilTopology.build(keyed, SPEC, models, VigilTopology.Listener.NONE, null).describe().toString())
                .as("input keyed by entity: context where it is read")
                .contains("Processor: vigil-context (stores: [vigil-context-store])").doesNotContain("repartition");

        assertThat(VigilTopology.build(settings, SPEC.withContext(null), models, VigilTopology.Listener.NONE, null).describe().toString())
                .as("a spec without context: the topology of before context existed")
                .isEqualTo(Files.readString(Path.of("src/test/resources/topology-description.txt")))
                .doesNotContain("vigil-context");
    }

    @ParameterizedTest(name = "input keyed by entity: {0}")
    @ValueSource(booleans = {false, true})
    void shouldGiveTheScorerBitForBitTheContextTheOfflineCommandsCompute(boolean keyedByEntity) {
        start(Map.of(VigilConfig.CONTEXT_INPUT_KEYED_BY_ENTITY, Boolean.toString(keyedByEntity)));
        ContextTracker offline = new ContextTracker(SPEC);
        List<double[]> expected = new ArrayList<>();
        Random random = new Random(5);
        String[] hosts = {"a", "b", "c"};
        double[] stuck = new double[hosts.length];
        for (int i = 0; i < 300; i++) {
            int h = random.nextInt(hosts.length);
            // Every few records a host repeats its last cpu (runs), drops mem, flips region, or arrives late.
            double cpu = random.nextInt(8) == 0 ? stuck[h] : 40 + 10 * random.nextGaussian() + 30 * h;
            stuck[h] = cpu;
            long ts = 1_000L * i - (random.nextInt(10) == 0 ? 7_000 : 0);
            String v = value(hosts[h], ts, cpu, random.nextInt(10) == 0 ? null : 0.5 + random.nextDouble() / 10,
                    random.nextInt(12) == 0 ? "us" : "eu", random.nextInt(20) != 0);
            send(v, ts);
            expected.add(offline.next(hosts[h], features(v), ts));
        }

        assertThat(scorer.rows).hasSize(300).allSatisfy(r -> assertThat(r).hasSize(SPEC.modelInput().size()));
        assertThat(bits(scorer.rows)).isEqualTo(bits(expected));
        assertThat(read(scores)).extracting(s -> s.get("id").asText()).as("ids stay the input's offsets")
                .startsWith("in:0:0", "in:0:1", "in:0:2").hasSize(300);
    }

    private static List<JsonNode> read(TestOutputTopic<byte[], byte[]> topic) {
        return topic.readValuesToList().stream().map(ContextTopologyTest::json).toList();
    }

    /**
     * Under at least once the upstream task may write a record to the repartition topic twice (it crashed
     * before committing): the second copy carries the same source position and must not update the state.
     */
    @Test
    void shouldUpdateTheStateOnceForARecordReplayedAtTheSameSourcePosition() {
        start(Map.of());
        TestInputTopic<byte[], ParsedRecord> repartitioned = driver.createInputTopic(REPARTITION, new ByteArraySerializer(),
                ParsedRecord.SERIALIZER);
        double[] row = features(value("a", 0));
        ContextFeatures context = new ContextFeatures(SPEC);
        EntityState state = context.newState();
        List<double[]> expected = new ArrayList<>();
        for (long offset : new long[] {0, 1, 2}) {
            repartitioned.pipeInput(parsed(row, offset));
            expected.add(context.apply(state, row, 1_000 * offset));
        }
        repartitioned.pipeInput(parsed(row, 2)); // the replay
        expected.add(context.derive(state, row));
        repartitioned.pipeInput(parsed(row, 3));
        expected.add(context.apply(state, row, 3_000));

        assertThat(bits(scorer.rows)).isEqualTo(bits(expected));
        // Four identical records in a row, not five: the replay did not count.
        assertThat(scorer.rows.get(4)[SPEC.modelInput().size() - 1]).isEqualTo(Math.log(4));
        assertThat(stored("a").count()).isEqualTo(4);
        assertThat(read(scores)).extracting(s -> s.get("id").asText())
                .containsExactly("in:0:0", "in:0:1", "in:0:2", "in:0:2", "in:0:3");
    }

    private static ParsedRecord parsed(double[] row, long offset) {
        return new ParsedRecord("a", 1_000 * offset, row, "{}".getBytes(StandardCharsets.UTF_8), "in", 0, offset, 1_000 * offset);
    }

    @Test
    void shouldTakeARecordOlderInEventTimeInArrivalOrderWithoutMovingTheEntitysClockBack() {
        start(Map.of());
        ContextTracker offline = new ContextTracker(SPEC);
        List<double[]> expected = new ArrayList<>();
        long[] times = {1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 2_500, 7_000};
        for (int i = 0; i < times.length; i++) {
            String v = value("a", times[i], i == 6 ? 90 : 10 + i, 0.5, "eu", true);
            send(v, times[i]);
            expected.add(offline.next("a", features(v), times[i]));
            if (i == 6) {
                assertThat(stored("a").lastEventTime()).as("the late record does not move the clock back").isEqualTo(6_000);
                assertThat(stored("a").usualGapMillis()).as("nor count as a gap").isCloseTo(1_000, offset(1e-6));
            }
        }
        assertThat(bits(scorer.rows)).isEqualTo(bits(expected));
        assertThat(stored("a").lastEventTime()).isEqualTo(7_000);
        assertThat(stored("a").count()).isEqualTo(times.length);
    }

    @Test
    void shouldForgetAnEntityNotSeenForTheTtlAndCountTheEntitiesHeld() {
        start(Map.of(VigilConfig.CONTEXT_ENTITY_TTL_MS, "60000"));
        for (long t = 0; t <= 10_000; t += 1_000) {
            send(value("a", t), t);
            send(value("b", t), t);
        }
        assertThat(entitiesHeld).containsValue(2L);
        for (long t = 11_000; t <= 80_000; t += 1_000) {
            send(value("b", t), t);
        }
        assertThat(stored("a")).as("a was last seen 70 s ago").isNull();
        assertThat(stored("b")).isNotNull();
        assertThat(entitiesHeld.values()).containsExactly(1L);

        String back = value("a", 81_000);
        send(back, 81_000);
        assertThat(scorer.rows.get(scorer.rows.size() - 1)).as("a comes back as a new entity")
                .isEqualTo(new ContextTracker(SPEC).next("a", features(back), 81_000));
        driver.close();
        driver = null;
        assertThat(entitiesHeld.values()).as("a closed task holds nothing").containsExactly(0L);
    }

    @Test
    void shouldAlertOnceWhenAnEntityWithARhythmGoesSilentAndResolveOnceWhenItReportsAgain() {
        start(Map.of());
        long aLastOffset = -1;
        long offset = 0;
        for (long t = 1_000; t <= 30_000; t += 1_000) {
            send(value("a", t), t);
            aLastOffset = offset++;
            send(value("b", t), t);
            offset++;
        }
        for (long t = 31_000; t <= 60_000; t += 1_000) {
            send(value("b", t), t); // b goes on: the partition's event time moves, a's does not
            offset++;
        }
        List<JsonNode> opened = silenceRecords();
        assertThat(opened).hasSize(1);
        JsonNode alert = opened.get(0);
        assertThat(alert.get("status").asText()).isEqualTo("open");
        assertThat(alert.get("entity").asText()).isEqualTo("a");
        assertThat(alert.get("id").asText()).isEqualTo("silent:a:in:0:" + aLastOffset);
        assertThat(alert.get("last_event_time").asLong()).isEqualTo(30_000);
        assertThat(alert.get("usual_gap_ms").asLong()).isEqualTo(1_000);
        // Seen at the first sweep (every 5 s of stream time) after 5 usual gaps.
        assertThat(alert.get("silent_ms").asLong()).isGreaterThan(5_000).isLessThanOrEqualTo(10_000);

        send(value("a", 61_000), 61_000);
        for (long t = 61_000; t <= 90_000; t += 1_000) {
            send(value("a", t + 500), t + 500);
            send(value("b", t), t);
        }
        List<JsonNode> resolved = silenceRecords();
        assertThat(resolved).hasSize(1);
        assertThat(resolved.get(0).get("status").asText()).isEqualTo("resolved");
        assertThat(resolved.get(0).get("id").asText()).isEqualTo(alert.get("id").asText() + ":resolved");
        assertThat(resolved.get(0).get("alert_id").asText()).isEqualTo(alert.get("id").asText());
        assertThat(resolved.get(0).get("reason").asText()).isEqualTo("returned");
        assertThat(resolved.get(0).get("returned_at").asLong()).isEqualTo(61_000);
        assertThat(resolved.get(0).get("silent_ms").asLong()).isEqualTo(31_000);
    }

    @Test
    void shouldNeverPageForAnEntityWithoutARhythm() {
        start(Map.of());
        long[] irregularGaps = {200, 9_000, 500, 15_000, 300, 7_000, 1_200, 20_000, 100, 4_000,
                600, 11_000, 250, 3_000, 800, 16_000, 150, 9_500, 400, 12_000};
        long t = 0;
        for (long gap : irregularGaps) {
            t += gap;
            send(value("irregular", t), t);
        }
        for (long s = 0; s < 5; s++) {
            send(value("few", 1_000 * s), 1_000 * s); // four steady gaps: too few to know a rhythm
        }
        for (long s = 0; s <= 400_000; s += 1_000) {
            send(value("b", s), s);
        }
        assertThat(silenceRecords()).isEmpty();
        assertThat(stored("irregular").hasRhythm()).as("the test's premise").isFalse();
    }

    @Test
    void shouldNotPageDuringABacklogThatArrivesLongAfterItsEventTime() {
        start(Map.of());
        for (long t = 1_000; t <= 30_000; t += 1_000) {
            send(value("a", t), t);
            send(value("b", t), t);
        }
        // An outage: the records of the next 30 s arrive an hour late. Stream time jumps, event time does not.
        long late = 3_600_000;
        for (long t = 31_000; t <= 60_000; t += 1_000) {
            send(value("a", t), t + late);
            send(value("b", t), t + late);
        }
        assertThat(silenceRecords()).isEmpty();
    }

    @Test
    void shouldNotPageForTheEntitiesOfAnInputPartitionThatStoppedAsAWhole() {
        start(Map.of(VigilConfig.INPUT_TOPICS, "in,in2"));
        for (long t = 1_000; t <= 30_000; t += 1_000) {
            send("in", value("a", t), t);
            send("in2", value("b", t), t);
            send("in2", value("c", t), t);
        }
        // "in" stops as a whole (its producer died): that is an input-rate alert, not a's silence.
        // On "in2", c stops while b goes on: c is silent.
        for (long t = 31_000; t <= 90_000; t += 1_000) {
            send("in2", value("b", t), t);
        }
        assertThat(silenceRecords()).extracting(a -> a.get("entity").asText()).containsExactly("c");
    }
}
