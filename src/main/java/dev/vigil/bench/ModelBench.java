package dev.vigil.bench;

import dev.vigil.calibration.AlertPolicy;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.TrainingInfo;
import dev.vigil.model.VaeConfig;
import dev.vigil.model.VaeScorer;
import dev.vigil.score.ScoredBatch;
import dev.vigil.score.VaeBatchScorer;
import dev.vigil.train.ModelTrainer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vigil bench model}: the VAE alone, no Kafka. Training samples/s (records times epochs over
 * the training time) and scoring records/s by batch size, both for the raw TensorFlow call
 * ({@link VaeScorer#score}) and for what the topology calls ({@link VaeBatchScorer#score}: the
 * same plus p-value, severity and decision per record).
 */
public final class ModelBench {

    /** Batch sizes measured by default. */
    public static final List<Integer> BATCH_SIZES = List.of(1, 16, 256, 1024);

    /** Records/s for one batch size. */
    public record Scoring(int batchSize, double vaeScorerRps, double batchScorerRps) {
    }

    /**
     * @param heapUsedMb  Java heap in use after a GC with the model loaded (TensorFlow's tensors live off it)
     * @param residentMb  the process's resident memory (VmRSS), TensorFlow's native memory included; NaN where
     *                    {@code /proc/self/status} does not exist
     */
    public record Result(int features, int trainRecords, int epochs, double trainSeconds, double trainSamplesPerSecond,
                         List<Scoring> scoring, double heapUsedMb, double residentMb) {
        public Map<String, Object> flat() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("features", features);
            m.put("train_records", trainRecords);
            m.put("train_epochs", epochs);
            m.put("train_seconds", ThroughputBench.Result.round3(trainSeconds));
            m.put("train_samples_per_s", ThroughputBench.Result.round(trainSamplesPerSecond));
            for (Scoring s : scoring) {
                m.put("score_rps_batch_" + s.batchSize(), ThroughputBench.Result.round(s.batchScorerRps()));
                m.put("tf_rps_batch_" + s.batchSize(), ThroughputBench.Result.round(s.vaeScorerRps()));
            }
            m.put("heap_used_mb", ThroughputBench.Result.round(heapUsedMb));
            m.put("resident_mb", ThroughputBench.Result.round(residentMb));
            return m;
        }
    }

    private ModelBench() {
    }

    /** Trains on {@code trainRecords} generated rows for {@code epochs} epochs, then scores each batch size for {@code perSize}. */
    public static Result run(int trainRecords, int epochs, List<Integer> batchSizes, Duration perSize, long seed, PrintStream status) {
        FeatureSpec spec = MetricsGenerator.spec();
        double[][] rows = new MetricsGenerator(seed, 0).rows(trainRecords);
        // No early stopping: every epoch runs, so samples/s is records x epochs / time.
        VaeConfig config = VaeConfig.defaults(spec).withSeed(seed).withEpochs(epochs).withValidationFraction(0);
        status.printf("bench model: training on %,d records x %d epochs ...%n", trainRecords, epochs);
        ModelBundle bundle = ModelTrainer.train(spec, rows, config, CalibrationSettings.defaults(), (e, t, v, s) -> { }).bundle();
        TrainingInfo info = bundle.training();
        double samplesPerSecond = (double) info.records() * info.epochs() / info.seconds();
        double[][] data = new MetricsGenerator(seed + 1, 0.001).rows(8192);
        List<Scoring> scoring = new java.util.ArrayList<>();
        double heapMb;
        double residentMb;
        try (VaeScorer raw = VaeScorer.open(bundle); VaeBatchScorer full = VaeBatchScorer.open(bundle, (AlertPolicy) null)) {
            for (int size : batchSizes) {
                double tf = rate(size, perSize, data, batch -> raw.score(batch).size());
                double decided = rate(size, perSize, data, batch -> {
                    ScoredBatch b = full.score(batch);
                    // Read every decision, as the topology does; the sum keeps the JIT from dropping them.
                    long anomalies = 0;
                    for (int i = 0; i < batch.length; i++) {
                        anomalies += b.anomaly(i) ? 1 : 0;
                    }
                    StageProfile.blackhole = anomalies;
                    return batch.length;
                });
                status.printf("bench model: batch %4d: %,.0f records/s (TensorFlow call %,.0f)%n", size, decided, tf);
                scoring.add(new Scoring(size, tf, decided));
            }
            System.gc();
            Runtime rt = Runtime.getRuntime();
            heapMb = (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
            residentMb = residentMegabytes();
        }
        return new Result(spec.size(), info.records(), info.epochs(), info.seconds(), samplesPerSecond, scoring,
                heapMb, residentMb);
    }

    /** VmRSS of this process from /proc/self/status, in MiB; NaN where there is no such file. */
    private static double residentMegabytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0; // the line says kB
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux, or an unexpected format: say so with NaN rather than a made-up number
        }
        return Double.NaN;
    }

    private interface BatchCall {
        int score(double[][] batch);
    }

    /** Records/s of {@code call} at {@code size}, after a warm-up of a fifth of {@code duration}. */
    private static double rate(int size, Duration duration, double[][] data, BatchCall call) {
        double[][][] batches = new double[Math.max(1, data.length / size)][][];
        for (int b = 0; b < batches.length; b++) {
            batches[b] = java.util.Arrays.copyOfRange(data, (b * size) % data.length, (b * size) % data.length + Math.min(size, data.length));
        }
        long warm = System.nanoTime() + duration.toNanos() / 5;
        int b = 0;
        while (System.nanoTime() < warm) {
            call.score(batches[b++ % batches.length]);
        }
        long records = 0;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long now;
        do {
            records += call.score(batches[b++ % batches.length]);
            now = System.nanoTime();
        } while (now < end);
        return records / ((now - start) / 1e9);
    }
}
