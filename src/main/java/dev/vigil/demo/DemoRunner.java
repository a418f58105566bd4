package dev.vigil.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import dev.vigil.train.ModelTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The demo: synthetic traffic with injected anomalies through the real service on a real
 * (embedded) broker, then a summary counted from what the output topics hold after draining.
 *
 * <p>The first model is trained offline on generated normal traffic and published as v1 (the
 * {@code vigil.model.file} bootstrap); from then on the service's own rolling window retrains.
 * Demos of {@link #SHIFT_MIN_DURATION} or longer shift the normal traffic at 40% of the way, and
 * the summary shows the false-alarm rate before the shift, after it, and after the retraining.
 */
public final class DemoRunner {

    /** Records of generated normal traffic the first model is trained on before the demo starts. */
    static final int WARMUP_RECORDS = 12_000;
    /** Demos at least this long include a regime shift of the normal traffic. */
    public static final Duration SHIFT_MIN_DURATION = Duration.ofSeconds(120);

    /**
     * Settings the demo changes for its compressed timeline (each can be overridden with --set):
     * event time is the broker's append time, incidents fold anomalies less than a second apart,
     * and a shift must last 20 s instead of 5 min before it counts as a new normal.
     */
    public static final Map<String, String> DEMO_SETTINGS = Map.of(
            VigilConfig.COOLDOWN_MS, "1000",
            VigilConfig.TRAIN_SHIFT_MIN_DURATION, "20000");

    public record Options(Duration duration, int rate, long seed) {
        long shiftAt() {
            return duration.compareTo(SHIFT_MIN_DURATION) >= 0
                    ? (long) (rate * (duration.toMillis() / 1000.0) * 0.4) : TrafficGenerator.NEVER;
        }
    }

    /** Ground truth of one produced record. */
    record Produced(String truth, long index) {
    }

    /**
     * What the demo saw. {@code records} counts every input record and equals the sum of the four
     * outcomes plus {@code missing} (0 unless something was lost); {@code injected} counts injected
     * anomalies that were scored. False-alarm rates are shares of scored normal records.
     */
    public record Summary(long records, long normal, long anomaliesFlagged, long unscored, long deadLetters,
                          long missing, long injected, long injectedCaught, long falseAlarms, long modelVersion,
                          long modelsPromoted, Map<String, long[]> caughtByKind, Map<String, double[]> falseAlarmRates,
                          List<JsonNode> exampleAlerts, long alerts, long repeats, double seconds) {

        /** The flat JSON line of {@code --format json}. */
        public Map<String, Object> flat() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("records", records);
            m.put("normal", normal);
            m.put("anomalies_flagged", anomaliesFlagged);
            m.put("unscored", unscored);
            m.put("dead_letters", deadLetters);
            m.put("injected", injected);
            m.put("injected_caught", injectedCaught);
            m.put("false_alarms", falseAlarms);
            m.put("model_version", modelVersion);
            m.put("models_promoted", modelsPromoted);
            m.put("missing", missing);
            m.put("alerts", alerts);
            falseAlarmRates.forEach((period, r) -> m.put("false_alarm_rate_" + period, r[1] == 0 ? null : r[0] / r[1]));
            m.put("seconds", Math.round(seconds * 10) / 10.0);
            return m;
        }
    }

    private final VigilConfig config;
    private final VigilSettings settings;
    private final Options options;
    private final PrintStream status;
    private volatile long versionAtShift = -1;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    public DemoRunner(VigilConfig config, Options options, PrintStream status) {
        this.config = config;
        this.settings = VigilSettings.from(config);
        this.options = options;
        this.status = status;
    }

    /** Ends the traffic early (Ctrl-C): what was produced is still drained and summarized. */
    public void stop() {
        stopped.set(true);
    }

    /** The generator's spec with event time taken from the broker timestamp, so demo time is wall time. */
    public static FeatureSpec spec() {
        FeatureSpec generated = TrafficGenerator.spec();
        return new FeatureSpec(generated.entityKey(), null, generated.features());
    }

    public Summary run() throws InterruptedException, IOException {
        FeatureSpec spec = spec();
        long start = System.nanoTime();
        status.printf("vigil demo: training the first model on %,d generated normal records ...%n", WARMUP_RECORDS);
        Path warmup = Files.createTempFile("vigil-demo-warmup", ".vigil");
        try {
            warmupModel(spec).save(warmup);
            Map<String, String> properties = new HashMap<>(config.originalsStrings());
            config.kafkaProperties().forEach((k, v) -> properties.put(VigilConfig.KAFKA_PREFIX + k, v));
            properties.putIfAbsent(VigilConfig.MODEL_FILE, warmup.toString());
            VigilConfig demoConfig = VigilConfig.of(properties);
            try (VigilService service = new VigilService(demoConfig, spec)) {
                service.start();
                status.printf("vigil demo: service running; metrics on http://localhost:%d/metrics%n", service.httpPort());
                return produceAndCount(demoConfig, service, start);
            }
        } finally {
            Files.deleteIfExists(warmup);
        }
    }

    private Summary produceAndCount(VigilConfig config, VigilService service, long start) throws InterruptedException {
        Map<SourceId, Produced> truth = new ConcurrentHashMap<>();
        VigilSettings.Topics topics = settings.topics();
        try (OutcomeTally tally = new OutcomeTally(bootstrap(), topics.scores(), topics.deadLetters(), topics.alerts(),
                "exactly_once_v2".equals(config.kafkaProperties().get("processing.guarantee")))) {
            long produced = produce(topics.input().get(0), truth, tally, service, start);
            status.printf("vigil demo: produced %,d records; draining ...%n", produced);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (tally.outcomes().size() < truth.size() && System.nanoTime() < deadline) {
                tally.poll(Duration.ofMillis(200));
            }
            tally.poll(Duration.ofMillis(500)); // alerts of the last batch
            long published = VigilService.modelRegistry(config).newestVersion();
            return summarize(truth, tally, options.shiftAt(), versionAtShift, service.models().currentVersion(), published,
                    (System.nanoTime() - start) / 1e9);
        }
    }

    private String bootstrap() {
        return config.kafkaProperties().get("bootstrap.servers");
    }

    private ModelBundle warmupModel(FeatureSpec spec) {
        TrafficGenerator warmup = new TrafficGenerator(TrafficGenerator.Options.defaults()
                .withSeed(options.seed() + 1).withAnomalyRate(0).withMalformedRate(0));
        double[][] rows = TrafficGenerator.features(spec, warmup.next(WARMUP_RECORDS));
        // Trained as the service's own window trains (vigil.train.*, vigil.alert.target.fpr and drift).
        return ModelTrainer.train(spec, rows, settings.training().vae(spec), settings.training().calibration(),
                (epoch, train, validation, seconds) -> { }).bundle();
    }

    /** Produces at the configured rate for the configured duration, printing a status line every 5 s. */
    private long produce(String topic, Map<SourceId, Produced> truth, OutcomeTally tally, VigilService service, long demoStart) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        long shiftAt = options.shiftAt();
        TrafficGenerator generator = new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(options.seed())
                .withShiftAt(shiftAt));
        long produced = 0;
        long begin = System.nanoTime();
        long end = begin + options.duration().toNanos();
        long nextStatus = begin + Duration.ofSeconds(5).toNanos();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (System.nanoTime() < end && !stopped.get()) {
                long due = (long) ((System.nanoTime() - begin) / 1e9 * options.rate());
                while (produced < due) {
                    GeneratedRecord r = generator.next();
                    if (r.index() == shiftAt) {
                        versionAtShift = service.models().currentVersion();
                        status.printf("vigil demo: the normal traffic shifts now (model v%d)%n", versionAtShift);
                    }
                    // No timestamp: the broker's clock is the demo's event time (the generator's ts runs a day per 10k records).
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, null, r.key(), r.value(), r.headers());
                    producer.send(record, (meta, error) -> {
                        if (error == null) {
                            truth.put(new SourceId(meta.topic(), meta.partition(), meta.offset()), new Produced(r.truth(), r.index()));
                        } else {
                            status.println("vigil demo: could not produce a record: " + error);
                        }
                    });
                    produced++;
                }
                tally.poll(Duration.ofMillis(5));
                if (System.nanoTime() >= nextStatus) {
                    nextStatus += Duration.ofSeconds(5).toNanos();
                    double elapsed = (System.nanoTime() - begin) / 1e9;
                    status.println(statusLine(summarize(truth, tally, shiftAt, versionAtShift, service.models().currentVersion(), 0,
                            (System.nanoTime() - demoStart) / 1e9), produced / elapsed));
                }
            }
            producer.flush();
        }
        return produced;
    }

    private static String statusLine(Summary s, double rate) {
        return String.format("[%4.0fs] %,7d records (%,.0f/s) | flagged %,d | injected caught %,d/%,d | false alarms %,d | "
                        + "unscored %,d | dead letters %,d | model v%d",
                s.seconds(), s.records(), rate, s.anomaliesFlagged(), s.injectedCaught(), s.injected(), s.falseAlarms(),
                s.unscored(), s.deadLetters(), s.modelVersion());
    }

    private static void count(Map<String, double[]> rates, String period, boolean alarm) {
        double[] r = rates.computeIfAbsent(period, x -> new double[2]);
        r[0] += alarm ? 1 : 0;
        r[1]++;
    }

    static Summary summarize(Map<SourceId, Produced> truth, OutcomeTally tally, long shiftAt, long versionAtShift,
                             long modelVersion, long modelsPromoted, double seconds) {
        long normal = 0, flagged = 0, unscored = 0, dead = 0, missing = 0, injected = 0, caught = 0, falseAlarms = 0;
        Map<String, long[]> byKind = new TreeMap<>();
        Map<String, double[]> falseAlarmRates = new TreeMap<>(java.util.Comparator.comparingInt(
                (String p) -> List.of("overall", "before_shift", "after_shift", "after_retraining", "latest_model").indexOf(p)));
        for (Map.Entry<SourceId, Produced> e : truth.entrySet()) {
            OutcomeTally.Outcome o = tally.outcomes().get(e.getKey());
            String t = e.getValue().truth();
            if (o == null) {
                missing++;
                continue;
            }
            switch (o.outcome()) {
                case "normal" -> normal++;
                case "anomaly" -> flagged++;
                case "unscored" -> unscored++;
                default -> dead++;
            }
            boolean scored = o.outcome().equals("normal") || o.outcome().equals("anomaly");
            if (scored && Truth.isAnomaly(t)) {
                injected++;
                long[] k = byKind.computeIfAbsent(t.substring(Truth.ANOMALY_PREFIX.length()), x -> new long[2]);
                k[1]++;
                if (o.outcome().equals("anomaly")) {
                    caught++;
                    k[0]++;
                }
            }
            if (scored && Truth.isNormal(t)) {
                boolean alarm = o.outcome().equals("anomaly");
                if (alarm) {
                    falseAlarms++;
                }
                String period = shiftAt == TrafficGenerator.NEVER ? "overall"
                        : e.getValue().index() < shiftAt ? "before_shift"
                        : o.modelVersion() <= versionAtShift ? "after_shift" : "after_retraining";
                count(falseAlarmRates, period, alarm);
                if (!period.equals("overall") && !period.equals("before_shift") && o.modelVersion() == modelVersion) {
                    count(falseAlarmRates, "latest_model", alarm);
                }
            }
        }
        List<JsonNode> examples = new ArrayList<>(tally.alerts().subList(0, Math.min(3, tally.alerts().size())));
        return new Summary(truth.size(), normal, flagged, unscored, dead, missing, injected, caught, falseAlarms,
                modelVersion, modelsPromoted, byKind, falseAlarmRates, examples, tally.alerts().size(), tally.repeats(), seconds);
    }
}
