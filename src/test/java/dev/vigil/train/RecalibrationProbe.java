package dev.vigil.train;

import dev.vigil.config.VigilSettings;
import dev.vigil.demo.DemoRunner;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.TrainingListener;
import dev.vigil.score.VaeBatchScorer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Not a test: what a retrained model's threshold means, for ways of choosing the window's rows.
 * A first model is trained on generated normal traffic (as the demo's); it scores 100,000 records
 * of demo traffic with its anomalies, of which every fourth is sampled as the training topic does;
 * a candidate is trained on the chosen rows; both are judged on the next 100,000 records: false
 * alarms among the normal ones, and anomalies caught by kind. Run with
 * {@code java [-Dprobe.generations=N] [-Dprobe.rules=margin,band,flagged] -cp 'target/test-classes:target/classes:target/lib/*'
 * dev.vigil.train.RecalibrationProbe [seed...]}: N retrainings in a row (1 by default) for each rule of {@link #chain}.
 */
public final class RecalibrationProbe {

    private static final int SERVED = 100_000;

    public static void main(String[] args) {
        long[] seeds = args.length == 0 ? new long[] {42} : Arrays.stream(args).mapToLong(Long::parseLong).toArray();
        VigilSettings settings = VigilSettings.defaults();
        FeatureSpec spec = DemoRunner.serviceSpec();
        int generations = Integer.getInteger("probe.generations", 1);
        for (long seed : seeds) {
            for (String rule : System.getProperty("probe.rules", "margin,band,flagged").split(",")) {
                chain(spec, settings, seed, generations, rule);
            }
        }
    }

    /**
     * {@code generations} retrainings in a row, each on a window its predecessor filled from the next
     * 100,000 records. {@code rule}: {@code margin}, records judged normal at or above the margin only (before
     * the band); {@code band}, every record judged normal (now); {@code flagged}, down to a tenth of the target
     * rate, flagged records too (tried).
     */
    private static void chain(FeatureSpec spec, VigilSettings settings, long seed, int generations, String rule) {
        VigilSettings.Training training = settings.training();
        double target = training.calibration().targetFpr();
        double margin = training.window().admitMinPValue();
        TrafficGenerator.Options options = TrafficGenerator.Options.defaults().withMalformedRate(0);
        double[][] warm = TrafficGenerator.features(spec, new TrafficGenerator(options.withSeed(seed + 1).withAnomalyRate(0)).next(12_000));
        ModelBundle model = ModelTrainer.train(spec, warm, training.vae(spec), training.calibration(), TrainingListener.NONE).bundle();
        List<GeneratedRecord> records = new TrafficGenerator(options.withSeed(seed)).next((generations + 1) * SERVED);
        double[][] features = TrafficGenerator.features(spec, records);
        List<GeneratedRecord> freshRecords = records.subList(generations * SERVED, (generations + 1) * SERVED);
        double[][] fresh = Arrays.copyOfRange(features, generations * SERVED, (generations + 1) * SERVED);
        System.out.printf("seed %d %s: generation 1: %s%n", seed, rule, judged(model, settings, fresh, freshRecords));
        for (int g = 0; g < generations; g++) {
            List<double[]> rows = new ArrayList<>();
            boolean[] trainable = new boolean[SERVED / 4];
            try (VaeBatchScorer scorer = VaeBatchScorer.open(model, settings.alerts().policy())) {
                double[][] served = Arrays.copyOfRange(features, g * SERVED, (g + 1) * SERVED);
                var scored = scorer.score(served);
                for (int i = 0; i < SERVED; i += 4) {
                    boolean normal = !scored.anomaly(i);
                    double pValue = scored.pValue(i);
                    boolean kept = switch (rule) {
                        case "margin" -> normal && pValue >= margin;
                        case "band" -> normal && pValue >= target;
                        case "flagged" -> pValue >= target / 10;
                        default -> throw new IllegalArgumentException("unknown rule " + rule);
                    };
                    if (kept) {
                        trainable[rows.size()] = normal && pValue >= margin;
                        rows.add(served[i]);
                    }
                }
            }
            model = ModelTrainer.train(spec, rows.toArray(double[][]::new), Arrays.copyOf(trainable, rows.size()),
                    training.vae(spec), training.calibration(),
                    TrainingListener.NONE).bundle();
            System.out.printf("seed %d %s: generation %d: %s%n", seed, rule, g + 2, judged(model, settings, fresh, freshRecords));
        }
    }

    private static String judged(ModelBundle model, VigilSettings settings, double[][] rows, List<GeneratedRecord> truth) {
        long normal = 0;
        long falseAlarms = 0;
        Map<String, int[]> kinds = new TreeMap<>();
        try (VaeBatchScorer scorer = VaeBatchScorer.open(model, settings.alerts().policy())) {
            var scored = scorer.score(rows);
            for (int i = 0; i < rows.length; i++) {
                GeneratedRecord r = truth.get(i);
                if (r.isNormal()) {
                    normal++;
                    falseAlarms += scored.anomaly(i) ? 1 : 0;
                } else {
                    int[] c = kinds.computeIfAbsent(r.truth(), k -> new int[2]);
                    c[0] += scored.anomaly(i) ? 1 : 0;
                    c[1]++;
                }
            }
        }
        StringBuilder s = new StringBuilder(String.format("false alarms %.4f%%", 100.0 * falseAlarms / normal));
        kinds.forEach((k, c) -> s.append(String.format(", %s %d/%d", k.replace("anomaly:", ""), c[0], c[1])));
        return s.toString();
    }
}
