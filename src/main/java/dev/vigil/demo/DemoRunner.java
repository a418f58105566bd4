package dev.vigil.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.InvalidRecordException;
import dev.vigil.ingest.RecordParser;
import dev.vigil.model.VaeConfig;
import dev.vigil.score.SourceId;
import dev.vigil.service.VigilService;
import dev.vigil.train.ModelTrainer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The demo: synthetic traffic with injected anomalies through the real service on a real
 * (embedded) broker, then a summary counted from what the output topics hold after draining.
 */
public final class DemoRunner {

    /** Records of generated normal traffic the first model is trained on before the demo starts. */
    static final int WARMUP_RECORDS = 12_000;

    public record Options(Duration duration, int rate, long seed) {
    }

    /**
     * What the demo saw. {@code records} counts every input record and equals the sum of the four
     * outcomes when nothing was lost; {@code injected} counts injected anomalies that were scored.
     */
    public record Summary(long records, long normal, long anomaliesFlagged, long unscored, long deadLetters,
                          long missing, long injected, long injectedCaught, long falseAlarms, long modelVersion,
                          long modelsPromoted, Map<String, long[]> caughtByKind, List<JsonNode> exampleAlerts,
                          long alerts, long repeats, double seconds) {

        /** The flat JSON line of {@code --format json}. */
        public Map<String, Object> flat() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
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
            m.put("seconds", Math.round(seconds * 10) / 10.0);
            return m;
        }
    }

    private final VigilConfig config;
    private final Options options;
    private final PrintStream status;

    public DemoRunner(VigilConfig config, Options options, PrintStream status) {
        this.config = config;
        this.options = options;
        this.status = status;
    }

    public Summary run() throws InterruptedException {
        FeatureSpec spec = TrafficGenerator.spec();
        long start = System.nanoTime();
        try (VigilService service = new VigilService(config, spec)) {
            status.printf("vigil demo: training the first model on %,d generated normal records ...%n", WARMUP_RECORDS);
            service.loadModel(warmupModel(spec).withVersion(1));
            service.start();
            status.printf("vigil demo: service running; metrics on http://localhost:%d/metrics%n", service.httpPort());

            Map<SourceId, String> truth = new ConcurrentHashMap<>();
            String input = config.inputTopics().get(0);
            try (OutcomeTally tally = new OutcomeTally(bootstrap(), config.getString(VigilConfig.SCORES_TOPIC),
                    config.getString(VigilConfig.DEAD_LETTER_TOPIC), config.getString(VigilConfig.ALERTS_TOPIC),
                    "exactly_once_v2".equals(config.kafkaProperties().get("processing.guarantee")))) {
                long produced = produce(input, truth, tally, start);
                status.printf("vigil demo: produced %,d records; draining ...%n", produced);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (tally.outcomes().size() < truth.size() && System.nanoTime() < deadline) {
                    tally.poll(Duration.ofMillis(200));
                }
                tally.poll(Duration.ofMillis(500)); // alerts of the last batch
                return summarize(truth, tally, service.models().currentVersion(), (System.nanoTime() - start) / 1e9);
            }
        }
    }

    private String bootstrap() {
        return config.kafkaProperties().get("bootstrap.servers");
    }

    private dev.vigil.model.ModelBundle warmupModel(FeatureSpec spec) {
        TrafficGenerator warmup = new TrafficGenerator(TrafficGenerator.Options.defaults()
                .withSeed(options.seed() + 1).withAnomalyRate(0).withMalformedRate(0));
        RecordParser parser = new RecordParser(spec, Integer.MAX_VALUE, false);
        double[][] rows = new double[WARMUP_RECORDS][];
        for (int i = 0; i < rows.length; i++) {
            GeneratedRecord r = warmup.next();
            try {
                rows[i] = parser.parse(r.key(), r.value(), r.timestamp()).features();
            } catch (InvalidRecordException e) {
                throw new IllegalStateException("the generator made a bad normal record: " + e.getMessage(), e);
            }
        }
        VaeConfig vae = VaeConfig.defaults(spec).withSeed(config.getLong(VigilConfig.TRAIN_SEED))
                .withEpochs(config.getInt(VigilConfig.TRAIN_EPOCHS));
        CalibrationSettings calibration = CalibrationSettings.defaults().withTargetFpr(config.getDouble(VigilConfig.TARGET_FPR));
        return ModelTrainer.train(spec, rows, vae, calibration, (epoch, train, validation, seconds) -> { }).bundle();
    }

    /** Produces at the configured rate for the configured duration, printing a status line every 5 s. */
    private long produce(String topic, Map<SourceId, String> truth, OutcomeTally tally, long demoStart) throws InterruptedException {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        TrafficGenerator generator = new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(options.seed()));
        long produced = 0;
        long begin = System.nanoTime();
        long end = begin + options.duration().toNanos();
        long nextStatus = begin + Duration.ofSeconds(5).toNanos();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            while (System.nanoTime() < end) {
                long due = (long) ((System.nanoTime() - begin) / 1e9 * options.rate());
                while (produced < due) {
                    GeneratedRecord r = generator.next();
                    producer.send(r.toProducerRecord(topic), (meta, error) -> {
                        if (error == null) {
                            truth.put(new SourceId(meta.topic(), meta.partition(), meta.offset()), r.truth());
                        } else {
                            status.println("vigil demo: could not produce a record: " + error);
                        }
                    });
                    produced++;
                }
                tally.poll(Duration.ofMillis(5));
                if (System.nanoTime() >= nextStatus) {
                    nextStatus += Duration.ofSeconds(5).toNanos();
                    status.println(statusLine(truth, tally, (System.nanoTime() - demoStart) / 1e9, produced / ((System.nanoTime() - begin) / 1e9)));
                }
            }
            producer.flush();
        }
        return produced;
    }

    private static String statusLine(Map<SourceId, String> truth, OutcomeTally tally, double seconds, double rate) {
        Summary s = summarize(truth, tally, -1, seconds);
        return String.format("[%4.0fs] %,7d records (%,.0f/s) | flagged %,d | injected caught %,d/%,d | false alarms %,d | unscored %,d | dead letters %,d",
                seconds, s.records(), rate, s.anomaliesFlagged(), s.injectedCaught(), s.injected(), s.falseAlarms(),
                s.unscored(), s.deadLetters());
    }

    static Summary summarize(Map<SourceId, String> truth, OutcomeTally tally, long modelVersion, double seconds) {
        long normal = 0, flagged = 0, unscored = 0, dead = 0, missing = 0, injected = 0, caught = 0, falseAlarms = 0;
        Map<String, long[]> byKind = new TreeMap<>();
        java.util.Set<Long> versions = new java.util.HashSet<>();
        for (Map.Entry<SourceId, String> e : truth.entrySet()) {
            OutcomeTally.Outcome o = tally.outcomes().get(e.getKey());
            String t = e.getValue();
            if (o == null) {
                missing++;
                continue;
            }
            if (o.modelVersion() > 0) {
                versions.add(o.modelVersion());
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
            if (Truth.isNormal(t) && o.outcome().equals("anomaly")) {
                falseAlarms++;
            }
        }
        List<JsonNode> examples = new ArrayList<>(tally.alerts().subList(0, Math.min(3, tally.alerts().size())));
        return new Summary(truth.size(), normal, flagged, unscored, dead, missing, injected, caught, falseAlarms,
                modelVersion, versions.size(), byKind, examples, tally.alerts().size(), tally.repeats(), seconds);
    }
}
