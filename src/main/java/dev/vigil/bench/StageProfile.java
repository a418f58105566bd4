package dev.vigil.bench;

import dev.vigil.config.VigilSettings;
import dev.vigil.context.ContextTracker;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.InvalidRecordException;
import dev.vigil.ingest.ParsedRecord;
import dev.vigil.ingest.RecordParser;
import dev.vigil.model.ModelBundle;
import dev.vigil.score.BufferedRecord;
import dev.vigil.score.Json;
import dev.vigil.score.ScoreRecord;
import dev.vigil.score.ScoredBatch;
import dev.vigil.score.SourceId;
import dev.vigil.score.VaeBatchScorer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where Vigil's per-record CPU time goes, measured stage by stage outside Kafka on the same
 * generated records: parsing and validating the JSON, deriving the context features (with a context
 * spec, the entities' state in memory), encoding the record for the buffer store,
 * scoring (the TensorFlow call plus decisions, per record at the configured batch size) and
 * serializing the score record. What the full topology costs beyond their sum is Kafka Streams
 * itself (consume, store writes and their changelog, produce) and the broker sharing the cores.
 */
public final class StageProfile {

    /** Microseconds of CPU per record for each stage. */
    public record Costs(double parseUs, double contextUs, double bufferEncodeUs, double scoreUs, double scoreJsonUs) {
        public Map<String, Object> flat() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage_parse_us", ThroughputBench.Result.round3(parseUs));
            m.put("stage_context_us", ThroughputBench.Result.round3(contextUs));
            m.put("stage_buffer_encode_us", ThroughputBench.Result.round3(bufferEncodeUs));
            m.put("stage_score_us", ThroughputBench.Result.round3(scoreUs));
            m.put("stage_score_json_us", ThroughputBench.Result.round3(scoreJsonUs));
            return m;
        }

        public double totalUs() {
            return parseUs + contextUs + bufferEncodeUs + scoreUs + scoreJsonUs;
        }
    }

    private static final int MAX_RECORDS = 50_000;
    /** Where results go so the JIT cannot drop the work that made them. */
    static volatile long blackhole;
    private static final int ROUNDS = 3;

    private StageProfile() {
    }

    /**
     * Times each stage over {@code records} records (at most {@value #MAX_RECORDS}: a small bench profiles as small),
     * {@value #ROUNDS} rounds, keeping the fastest round (the least disturbed), with the ingest limits, batch size, alert
     * policy and scoring threads of {@code settings}.
     */
    public static Costs measure(FeatureSpec spec, ModelBundle bundle, VigilSettings settings, long seed, int records) {
        int count = Math.max(1, Math.min(MAX_RECORDS, records));
        int batchSize = settings.scoring().batchMaxRecords();
        MetricsGenerator generator = new MetricsGenerator(seed + 4, 0.001);
        byte[][] keys = new byte[count][];
        byte[][] values = new byte[count][];
        for (int i = 0; i < count; i++) {
            keys[i] = generator.nextHost().getBytes(StandardCharsets.UTF_8);
            values[i] = generator.nextValue();
        }
        RecordParser parser = settings.ingest().parser(spec);
        ParsedRecord[] parsed = new ParsedRecord[count];
        double[][] modelRows = new double[count][];
        double parse = Double.MAX_VALUE;
        double context = spec.hasContext() ? Double.MAX_VALUE : 0;
        double encode = Double.MAX_VALUE;
        double score = Double.MAX_VALUE;
        double json = Double.MAX_VALUE;
        long sink = 0;
        try (VaeBatchScorer scorer = VaeBatchScorer.open(bundle, settings.alerts().policy(), settings.scoring().threads())) {
            for (int round = 0; round < ROUNDS; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    try {
                        parsed[i] = parser.parse(keys[i], values[i], 0L);
                    } catch (InvalidRecordException e) {
                        throw new IllegalStateException("generated record is invalid: " + e.getMessage(), e);
                    }
                }
                long t1 = System.nanoTime();
                if (spec.hasContext()) {
                    // The state in memory: the store's own cost is part of the topology's run, not of this stage.
                    ContextTracker tracker = new ContextTracker(spec);
                    for (int i = 0; i < count; i++) {
                        modelRows[i] = tracker.next(parsed[i].entity(), parsed[i].features(), i);
                    }
                    long tc = System.nanoTime();
                    context = Math.min(context, (tc - t1) / 1e3 / count);
                    t1 = tc;
                } else {
                    for (int i = 0; i < count; i++) {
                        modelRows[i] = parsed[i].features();
                    }
                }
                for (int i = 0; i < count; i++) {
                    ParsedRecord p = parsed[i];
                    sink += new BufferedRecord(i, new SourceId("bench-input", 0, i), 0L, p.entity(), p.eventTime(),
                            p.features(), keys[i], p.value()).toBytes().length;
                }
                long t2 = System.nanoTime();
                ScoredBatch[] batches = new ScoredBatch[(count + batchSize - 1) / batchSize];
                for (int b = 0; b < batches.length; b++) {
                    int from = b * batchSize;
                    double[][] rows = new double[Math.min(batchSize, count - from)][];
                    for (int i = 0; i < rows.length; i++) {
                        rows[i] = modelRows[from + i];
                    }
                    batches[b] = scorer.score(rows);
                    for (int i = 0; i < rows.length; i++) {
                        sink += batches[b].anomaly(i) ? 1 : 0;
                    }
                }
                long t3 = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    ScoredBatch batch = batches[i / batchSize];
                    int k = i % batchSize;
                    ParsedRecord p = parsed[i];
                    sink += Json.bytes(new ScoreRecord("bench-input-0-" + i, "bench-input", 0, i, p.entity(), p.eventTime(),
                            batch.anomaly(k) ? "anomaly" : "normal", batch.score(k), batch.pValue(k), batch.severity(k),
                            scorer.threshold(), scorer.modelVersion(), scorer.calibrationVersion())).length;
                }
                long t4 = System.nanoTime();
                parse = Math.min(parse, (t1 - t0) / 1e3 / count);
                encode = Math.min(encode, (t2 - t1) / 1e3 / count);
                score = Math.min(score, (t3 - t2) / 1e3 / count);
                json = Math.min(json, (t4 - t3) / 1e3 / count);
            }
        }
        blackhole = sink;
        return new Costs(parse, context, encode, score, json);
    }
}
