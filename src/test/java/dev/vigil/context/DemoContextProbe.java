package dev.vigil.context;

import dev.vigil.config.VigilSettings;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.demo.Truth;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.score.VaeBatchScorer;
import dev.vigil.train.ModelTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's detection without Kafka, for quick looks at context features: trains the demo's
 * first model (12,000 normal records of seed + 1) with and without context, scores {@code records}
 * generated records of {@code seed} in order, and prints what the calibrated threshold catches per
 * kind. Not a test (run with java -cp target/test-classes:target/classes:target/lib/*). Arguments: records,
 * traffic seed; {@code -Dprobe.modelSeeds=42,43} trains one model per seed, {@code -Dprobe.contextOnly=true}
 * skips the model without context, {@code -Dprobe.missed=true} prints every missed broken correlation,
 * {@code -Dprobe.fresh=true} what the threshold flags among the cold start's records and {@code records} more normal ones.
 */
public final class DemoContextProbe {

    public static void main(String[] args) {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 60_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 42;
        boolean[] contexts = Boolean.getBoolean("probe.contextOnly") ? new boolean[] {true} : new boolean[] {false, true};
        for (String modelSeed : System.getProperty("probe.modelSeeds", "42").split(",")) {
            for (boolean context : contexts) {
                run(records, seed, Long.parseLong(modelSeed), context);
            }
        }
    }

    private static void run(int records, long seed, long modelSeed, boolean context) {
        FeatureSpec base = new FeatureSpec(TrafficGenerator.spec().entityKey(), null, TrafficGenerator.spec().features());
        FeatureSpec spec = context ? base.withContext(new ContextSettings(Integer.getInteger("probe.halflife", ContextSettings.DEFAULT_HALF_LIFE))) : base;
        TrafficGenerator normalTraffic = new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(seed + 1)
                .withAnomalyRate(0).withMalformedRate(0));
        List<GeneratedRecord> warmup = normalTraffic.next(12_000);
        double[][] train = enrich(spec, warmup);
        VigilSettings settings = VigilSettings.defaults();
        var bundle = ModelTrainer.train(spec, train, settings.training().vae(spec).withSeed(modelSeed),
                settings.training().calibration(), (e, t, v, s) -> { }).bundle();
        List<GeneratedRecord> traffic = new ArrayList<>();
        for (GeneratedRecord r : new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(seed)).next(records)) {
            if (!r.truth().startsWith("malformed")) {
                traffic.add(r);
            }
        }
        double[][] rows = enrich(spec, traffic);
        Map<String, int[]> byKind = new TreeMap<>();
        Map<String, Integer> blamed = new TreeMap<>();
        Map<String, Integer> origins = new TreeMap<>(); // whether a false alarm's host sent an anomaly among its last 3 records
        try (VaeBatchScorer scorer = VaeBatchScorer.open(bundle, null)) {
            forEachScored(scorer, rows, (row, scored, i) -> {
                int[] c = byKind.computeIfAbsent(traffic.get(row).truth(), k -> new int[2]);
                c[0]++;
                c[1] += scored.anomaly(i) ? 1 : 0;
                if (!scored.anomaly(i) && traffic.get(row).truth().contains("broken") && Boolean.getBoolean("probe.missed")) {
                    System.out.printf(Locale.ROOT, "    missed %.1f/%.1f %s %s%n", scored.score(i), scorer.threshold(),
                            scored.contributions(i, 2), java.util.Arrays.toString(java.util.Arrays.copyOf(rows[row], 10)));
                }
                if (scored.anomaly(i) && traffic.get(row).truth().equals(Truth.NORMAL)) {
                    String host = new String(traffic.get(row).key(), java.nio.charset.StandardCharsets.UTF_8);
                    int seen = 0;
                    String after = "clean";
                    for (int j = row - 1; j >= 0 && seen < 3; j--) {
                        if (new String(traffic.get(j).key(), java.nio.charset.StandardCharsets.UTF_8).equals(host)) {
                            seen++;
                            if (!traffic.get(j).truth().equals(Truth.NORMAL)) {
                                after = "after " + traffic.get(j).truth() + " " + seen;
                                break;
                            }
                        }
                    }
                    origins.merge(after, 1, Integer::sum);
                    blamed.merge(scored.contributions(i, 1).get(0).name(), 1, Integer::sum);
                }
            });
        }
        if (Boolean.getBoolean("probe.fresh")) {
            // The same normal traffic after the cold start, context carried on: how far the threshold's tail moves.
            List<GeneratedRecord> both = new ArrayList<>(warmup);
            both.addAll(normalTraffic.next(records));
            double[][] all = enrich(spec, both);
            try (VaeBatchScorer scorer = VaeBatchScorer.open(bundle, null)) {
                System.out.printf(Locale.ROOT, "  flagged among the cold start's %d records %.3f%%, among the next %d normal records %.3f%%%n",
                        warmup.size(), 100 * flaggedShare(scorer, java.util.Arrays.copyOfRange(all, 0, warmup.size())),
                        records, 100 * flaggedShare(scorer, java.util.Arrays.copyOfRange(all, warmup.size(), all.length)));
            }
        }
        System.out.printf(Locale.ROOT, "model seed %d, context %s (%d features), %d epochs (best %d), validation %.4f:%n", modelSeed, context,
                spec.modelInput().size(), bundle.training().epochs(), bundle.training().bestEpoch(),
                bundle.training().validationLoss().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN));
        byKind.forEach((kind, c) -> System.out.printf(Locale.ROOT, "  %-28s %6d / %6d  (%.3f%%)%n", kind, c[1], c[0], 100.0 * c[1] / c[0]));
        System.out.println("  false alarms by top feature: " + blamed);
        System.out.println("  false alarms by what the host sent before: " + origins);
    }

    private static double flaggedShare(VaeBatchScorer scorer, double[][] rows) {
        int[] flagged = {0};
        forEachScored(scorer, rows, (row, scored, i) -> flagged[0] += scored.anomaly(i) ? 1 : 0);
        return (double) flagged[0] / rows.length;
    }

    /** One scored row: its index in the rows, and its batch with its index there. */
    private interface ScoredRow {
        void accept(int row, VaeBatchScorer.Scored scored, int i);
    }

    /** Scores {@code rows} in order, in batches of 1,024, and hands each row's result to {@code each}. */
    private static void forEachScored(VaeBatchScorer scorer, double[][] rows, ScoredRow each) {
        for (int from = 0; from < rows.length; from += 1024) {
            double[][] chunk = java.util.Arrays.copyOfRange(rows, from, Math.min(rows.length, from + 1024));
            VaeBatchScorer.Scored scored = scorer.score(chunk);
            for (int i = 0; i < chunk.length; i++) {
                each.accept(from + i, scored, i);
            }
        }
    }

    private static double[][] enrich(FeatureSpec spec, List<GeneratedRecord> records) {
        double[][] rows = TrafficGenerator.features(new FeatureSpec(spec.entityKey(), null, spec.features()), records);
        if (!spec.hasContext()) {
            return rows;
        }
        String[] hosts = records.stream().map(r -> new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)).toArray(String[]::new);
        return new ContextTracker(spec).enrich(rows, hosts);
    }

    private DemoContextProbe() {
    }
}
