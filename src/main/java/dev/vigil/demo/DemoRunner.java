package dev.vigil.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.ContextSettings;
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
 * <p>The service runs with context ({@link #serviceSpec()}): each host's recent records add features
 * to the model's input, and a host that stops reporting raises a silence alert. The first model is
 * trained offline on generated normal traffic and published as v1 (the {@code vigil.model.file}
 * bootstrap); from then on the service's own rolling window retrains. Demos of
 * {@link #SHIFT_MIN_DURATION} or longer shift the normal traffic at 40% of the way, and the summary
 * shows the false-alarm rate before the shift, after it, and after the retraining.
 *
 * <p>Half-way through, {@value #SILENT_HOST} goes silent for a stretch (see {@link Options#silence()})
 * and then reports again. A record's Kafka timestamp, the service's event time, is its slot in the
 * schedule: {@code start + index / rate}. That is wall time to within the producer's jitter, with
 * the exact spacing of the generator's turns, so every host keeps the rhythm its silence breaks.
 */
public final class DemoRunner {

    /** Records of generated normal traffic the first model is trained on before the demo starts. */
    static final int WARMUP_RECORDS = 12_000;
    /** Demos at least this long include a regime shift of the normal traffic. */
    public static final Duration SHIFT_MIN_DURATION = Duration.ofSeconds(120);

    /**
     * Settings the demo changes for its compressed timeline (each can be overridden with --set):
     * event time is wall time (the records' Kafka timestamps), incidents fold anomalies less than a second apart,
     * a shift must last 20 s instead of 5 min before it counts as a new normal, and silent hosts are
     * looked for every 250 ms instead of 5 s (a host's usual gap here is 4 ms, its silence 2 s).
     */
    public static final Map<String, String> DEMO_SETTINGS = Map.of(
            VigilConfig.COOLDOWN_MS, "1000",
            VigilConfig.TRAIN_SHIFT_MIN_DURATION, "20000",
            VigilConfig.CONTEXT_SWEEP_INTERVAL_MS, "250");

    /** The host that goes silent during the demo. */
    public static final String SILENT_HOST = "host-03";
    /**
     * Shortest silence, in records of all hosts: 25 of the silent host's turns (it reports every 7
     * to 9 records), five times the 5 usual gaps after which a host with a rhythm counts as silent.
     */
    static final long SILENCE_MIN_RECORDS = 200;
    /**
     * Shortest silence in time: long enough for the status lines to show it and for a silence check
     * that runs on a coarser clock than every record to see it.
     */
    static final long SILENCE_MIN_SECONDS = 2;
    /**
     * How far before its stretch a silence alert's last record may lie and still count as catching
     * it: the host's last turn before the stretch is at most 9 records earlier, 18 when that record
     * was malformed (not seen by the context).
     */
    static final long SILENCE_LEAD_RECORDS = 64;

    public record Options(Duration duration, int rate, long seed) {

        /** Records the demo produces at its rate over its duration. */
        long records() {
            return (long) (rate * (duration.toMillis() / 1000.0));
        }

        long shiftAt() {
            return duration.compareTo(SHIFT_MIN_DURATION) >= 0 ? (long) (records() * 0.4) : TrafficGenerator.NEVER;
        }

        /** Event time of record {@code index} of a demo that began at {@code beginMillis}: its slot in the schedule. */
        long timestamp(long beginMillis, long index) {
            return beginMillis + index * 1000 / rate;
        }

        /**
         * {@value DemoRunner#SILENT_HOST} sends nothing from half of the run for a fortieth of it, at
         * least {@value DemoRunner#SILENCE_MIN_SECONDS} s and {@value DemoRunner#SILENCE_MIN_RECORDS}
         * records (the default 60 s at 2,000/s: records 60,000 to 64,000, 2 s, 500 of its turns);
         * none when that would not end by three quarters of the run.
         */
        TrafficGenerator.Silence silence() {
            long from = records() / 2;
            long until = from + Math.max(Math.max(SILENCE_MIN_RECORDS, records() / 40), rate * SILENCE_MIN_SECONDS);
            return until <= records() * 3 / 4 ? new TrafficGenerator.Silence(SILENT_HOST, from, until) : null;
        }
    }

    /** Ground truth of one produced record. */
    record Produced(String truth, long index) {
    }

    /**
     * What the demo saw. {@code records} counts every input record and equals the sum of the four
     * outcomes plus {@code missing} (0 unless something was lost); {@code injected} counts injected
     * anomalous records that were scored. {@code caughtByKind} holds, for every kind (the
     * {@link Truth.AnomalyKind} kinds, then {@value OutcomeTally#SILENT}), {caught, injected}: for
     * the record kinds scored records and those flagged, for silences the silent stretches served
     * in full and those a silence alert for their host caught. {@code alerts} counts anomaly alerts,
     * {@code silentAlerts} and {@code silentResolved} every silence alert opened and resolved
     * (whichever host). False-alarm rates are shares of scored normal records.
     */
    public record Summary(long records, long normal, long anomaliesFlagged, long unscored, long deadLetters,
                          long missing, long injected, long injectedCaught, long falseAlarms, long modelVersion,
                          long modelsPromoted, Map<String, long[]> caughtByKind, Map<String, double[]> falseAlarmRates,
                          List<JsonNode> exampleAlerts, long alerts, long silentAlerts, long silentResolved, long repeats,
                          double seconds) {

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
            caughtByKind.forEach((kind, c) -> {
                m.put("injected_" + kind, c[1]);
                m.put("caught_" + kind, c[0]);
            });
            m.put("false_alarms", falseAlarms);
            m.put("model_version", modelVersion);
            m.put("models_promoted", modelsPromoted);
            m.put("missing", missing);
            m.put("alerts", alerts);
            m.put("silent_alerts", silentAlerts);
            m.put("silent_resolved", silentResolved);
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
    /** Index of the last record produced (only the producing thread writes it). */
    private volatile long lastIndex = -1;
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

    /**
     * The generator's spec with event time taken from the Kafka timestamp, so demo time is wall
     * time; without context, as {@code vigil generate --print-spec} prints it for any service.
     */
    public static FeatureSpec spec() {
        FeatureSpec generated = TrafficGenerator.spec();
        return new FeatureSpec(generated.entityKey(), null, generated.features());
    }

    /** The spec the demo runs the service with: {@link #spec()} with the default context block. */
    public static FeatureSpec serviceSpec() {
        return spec().withContext(ContextSettings.defaults());
    }

    public Summary run() throws InterruptedException, IOException {
        FeatureSpec spec = serviceSpec();
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
            return summarize(truth, tally, options.shiftAt(), servedSilence(), versionAtShift, service.models().currentVersion(),
                    published, (System.nanoTime() - start) / 1e9);
        }
    }

    private String bootstrap() {
        return config.kafkaProperties().get("bootstrap.servers");
    }

    /** The silence if production went past its end (the host's turn came back), else null. */
    private TrafficGenerator.Silence servedSilence() {
        TrafficGenerator.Silence silence = options.silence();
        return silence != null && lastIndex >= silence.until() ? silence : null;
    }

    private ModelBundle warmupModel(FeatureSpec spec) {
        TrafficGenerator warmup = new TrafficGenerator(TrafficGenerator.Options.defaults()
                .withSeed(options.seed() + 1).withAnomalyRate(0).withMalformedRate(0));
        // With context: each row carries its host's context, derived in generation order as the service derives it.
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
        TrafficGenerator.Silence silence = options.silence();
        TrafficGenerator generator = new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(options.seed())
                .withShiftAt(shiftAt).withSilence(silence));
        long produced = 0;
        boolean shifted = false;
        boolean silent = false;
        long beginMillis = System.currentTimeMillis();
        long begin = System.nanoTime();
        long end = begin + options.duration().toNanos();
        long nextStatus = begin + Duration.ofSeconds(5).toNanos();
        GeneratedRecord r = generator.next();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (System.nanoTime() < end && !stopped.get()) {
                // Paced by index, not by records sent: the silent host's left-out turns take their time.
                long due = (long) ((System.nanoTime() - begin) / 1e9 * options.rate());
                while (r.index() < due) {
                    if (!shifted && r.index() >= shiftAt) {
                        shifted = true;
                        versionAtShift = service.models().currentVersion();
                        status.printf("vigil demo: the normal traffic shifts now (model v%d)%n", versionAtShift);
                    }
                    if (silence != null && silent != (r.index() >= silence.from() && r.index() < silence.until())) {
                        silent = !silent;
                        status.printf(silent ? "vigil demo: %s goes silent now%n" : "vigil demo: %s reports again%n", silence.host());
                    }
                    // The timestamp is the record's slot in the schedule (the generator's ts runs a day per 10k
                    // records): wall time, with every host's turns evenly spaced in event time.
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, options.timestamp(beginMillis, r.index()),
                            r.key(), r.value(), r.headers());
                    GeneratedRecord sent = r;
                    producer.send(record, (meta, error) -> {
                        if (error == null) {
                            truth.put(new SourceId(meta.topic(), meta.partition(), meta.offset()), new Produced(sent.truth(), sent.index()));
                        } else {
                            status.println("vigil demo: could not produce a record: " + error);
                        }
                    });
                    produced++;
                    lastIndex = r.index();
                    r = generator.next();
                }
                tally.poll(Duration.ofMillis(5));
                if (System.nanoTime() >= nextStatus) {
                    nextStatus += Duration.ofSeconds(5).toNanos();
                    double elapsed = (System.nanoTime() - begin) / 1e9;
                    status.println(statusLine(summarize(truth, tally, shiftAt, servedSilence(), versionAtShift,
                            service.models().currentVersion(), 0, (System.nanoTime() - demoStart) / 1e9), produced / elapsed));
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

    /**
     * The summary of what {@code tally} read for the records in {@code truth}. {@code silence} is the
     * stretch the demo served in full, or null: it is caught when a silence alert of its host names
     * as its last record one produced at most {@value #SILENCE_LEAD_RECORDS} records before the stretch.
     */
    static Summary summarize(Map<SourceId, Produced> truth, OutcomeTally tally, long shiftAt, TrafficGenerator.Silence silence,
                             long versionAtShift, long modelVersion, long modelsPromoted, double seconds) {
        long normal = 0, flagged = 0, unscored = 0, dead = 0, missing = 0, injected = 0, caught = 0, falseAlarms = 0;
        Map<String, long[]> byKind = new LinkedHashMap<>();
        for (Truth.AnomalyKind kind : Truth.AnomalyKind.values()) {
            byKind.put(kind.kind(), new long[2]);
        }
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
        byKind.put(OutcomeTally.SILENT, new long[] {silenceCaught(silence, tally, truth) ? 1 : 0, silence == null ? 0 : 1});
        List<JsonNode> examples = new ArrayList<>(tally.alerts().subList(0, Math.min(3, tally.alerts().size())));
        return new Summary(truth.size(), normal, flagged, unscored, dead, missing, injected, caught, falseAlarms,
                modelVersion, modelsPromoted, byKind, falseAlarmRates, examples, tally.alerts().size(),
                tally.silentAlerts().size(), tally.silentResolved().size(), tally.repeats(), seconds);
    }

    private static boolean silenceCaught(TrafficGenerator.Silence silence, OutcomeTally tally, Map<SourceId, Produced> truth) {
        if (silence == null) {
            return false;
        }
        for (JsonNode alert : tally.silentAlerts()) {
            SourceId lastRecord = OutcomeTally.lastRecordBeforeSilence(alert);
            Produced last = lastRecord == null ? null : truth.get(lastRecord);
            if (alert.path("entity").asText().equals(silence.host()) && last != null
                    && last.index() >= silence.from() - SILENCE_LEAD_RECORDS && last.index() < silence.until()) {
                return true;
            }
        }
        return false;
    }
}
