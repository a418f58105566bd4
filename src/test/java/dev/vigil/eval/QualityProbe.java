package dev.vigil.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The detection-quality study behind docs/BENCHMARKS.md: every shared set, several seeds, mean and
 * spread of AUROC and AUPRC per detector. ADBench sets draw their own 70/30 split per seed.
 * Run from the test classpath:
 * {@code java -cp target/test-classes:target/classes:target/lib/* dev.vigil.eval.QualityProbe
 * [--seeds 42,43,44] [--detectors vae,pca,...] [--sets thyroid,cardio,...]}; {@code vaemean3} is the mean -ELBO
 * of three default VAEs; {@code white0.75} is the default VAE on rows whitened by the Mahalanobis baseline's fit
 * ({@code white0.75:zscore} puts another detector there).
 */
public final class QualityProbe {

    static final Path DATA = Path.of(System.getProperty("vigil.datasets", "../shared/datasets"));

    public static void main(String[] args) throws Exception {
        List<Long> seeds = List.of(42L, 43L, 44L);
        List<String> detectors = List.of("vae");
        List<String> sets = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--seeds" -> seeds = java.util.Arrays.stream(args[i + 1].split(",")).map(Long::parseLong).toList();
                case "--detectors" -> detectors = List.of(args[i + 1].split(","));
                case "--sets" -> sets = List.of(args[i + 1].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("machine-1-6", DATA.resolve("smd"));
        files.put("machine-2-1", DATA.resolve("smd"));
        files.put("38_thyroid", DATA.resolve("adbench/38_thyroid.csv"));
        files.put("6_cardio", DATA.resolve("adbench/6_cardio.csv"));
        files.put("32_shuttle", DATA.resolve("adbench/32_shuttle.csv"));
        files.put("machine-2-7", DATA.resolve("more/smd"));
        files.put("2_annthyroid", DATA.resolve("more/adbench/2_annthyroid.csv"));
        files.put("23_mammography", DATA.resolve("more/adbench/23_mammography.csv"));
        files.put("28_pendigits", DATA.resolve("more/adbench/28_pendigits.csv"));
        files.put("30_satellite", DATA.resolve("more/adbench/30_satellite.csv"));
        Map<String, double[]> summary = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            String name = e.getKey();
            if (sets != null && sets.stream().noneMatch(name::contains)) {
                continue;
            }
            for (String detector : detectors) {
                List<double[]> runs = new ArrayList<>();
                for (long seed : seeds) {
                    EvalDataset dataset = name.startsWith("machine")
                            ? EvalDatasets.smd(e.getValue().resolve("train/" + name + ".txt"), e.getValue().resolve("test/" + name + ".txt"),
                                    e.getValue().resolve("test_label/" + name + ".txt"), null)
                            : EvalDatasets.labelledFile(e.getValue(), "label", seed);
                    if (Boolean.getBoolean("probe.context") && name.startsWith("machine")) {
                        dataset = dataset.withContext(new dev.vigil.ingest.ContextSettings(
                                Integer.getInteger("probe.halflife", dev.vigil.ingest.ContextSettings.DEFAULT_HALF_LIFE)));
                    }
                    Detector d = detector.equals("vae") ? vae(seed)
                            : detector.startsWith("white") ? new Whitened(detector.substring("white".length()), seed)
                            : detector.startsWith("vaemean") ? new MeanOfVaes(Integer.parseInt(detector.substring("vaemean".length())), seed)
                            : Detectors.create(detector, seed);
                    EvalResult r = Evaluation.evaluate(dataset, d);
                    runs.add(new double[] {r.auroc(), r.auprc(), r.trainSeconds()});
                    System.err.printf(Locale.ROOT, "  %s %s seed %d: auroc %.3f auprc %.3f fpr@thr %s f1@thr %s best f1 %s train %.1f s%n", name, detector, seed,
                            r.auroc(), r.auprc(), r.fprAtThreshold(), r.f1AtThreshold(), r.bestF1(), r.trainSeconds());
                }
                double[] s = stats(runs);
                summary.put(name + " " + detector, s);
                System.out.printf(Locale.ROOT, "%-15s %-12s auroc %.3f ± %.3f  auprc %.3f ± %.3f  train %.1f s%n", name, detector,
                        s[0], s[1], s[2], s[3], s[4]);
            }
        }
        double mean = summary.values().stream().mapToDouble(s -> s[2]).average().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "mean auprc over %d rows: %.4f%n", summary.size(), mean);
    }

    /** A variant of the default configuration from {@code -Dprobe.*} properties (dof, fence, share, asinh, variance, latent, hidden, floor, ceiling, epochs, samples). */
    static dev.vigil.model.VaeConfig variant(dev.vigil.model.VaeConfig c) {
        String v;
        if ((v = System.getProperty("probe.dof")) != null) {
            c = c.withStudentDof(Double.parseDouble(v));
        }
        if ((v = System.getProperty("probe.fence")) != null) {
            c = c.withTrimFenceIqr(Double.parseDouble(v));
        }
        if ((v = System.getProperty("probe.share")) != null) {
            c = c.withTrimMaxShare(Double.parseDouble(v));
        }
        if ((v = System.getProperty("probe.asinh")) != null) {
            c = c.withAsinhEncoderInput(Boolean.parseBoolean(v));
        }
        if ((v = System.getProperty("probe.variance")) != null) {
            c = c.withDecoderVariance(dev.vigil.model.VaeConfig.DecoderVariance.valueOf(v));
        }
        if ((v = System.getProperty("probe.latent")) != null) {
            c = c.withLatentSize(Integer.parseInt(v));
        }
        if ((v = System.getProperty("probe.hidden")) != null) {
            c = c.withHiddenSizes(java.util.Arrays.stream(v.split("-")).map(Integer::valueOf).toList());
        }
        if ((v = System.getProperty("probe.floor")) != null) {
            c = c.withLogVarFloor(Double.parseDouble(v));
        }
        if ((v = System.getProperty("probe.ceiling")) != null) {
            c = c.withLogVarCeiling(Double.parseDouble(v));
        }
        if ((v = System.getProperty("probe.epochs")) != null) {
            c = c.withEpochs(Integer.parseInt(v));
        }
        if ((v = System.getProperty("probe.samples")) != null) {
            c = c.withSamples(Integer.parseInt(v));
        }
        return c;
    }

    /** The service's VAE as {@code vigil evaluate} trains it, with the {@code -Dprobe.*} variant applied. */
    private static VaeDetector vae(long seed) {
        return new VaeDetector(VaeDetector.Score.ELBO, seed, dev.vigil.calibration.CalibrationSettings.defaults(), QualityProbe::variant);
    }

    /**
     * {@code vaemeanN}: the issue's "small ensemble", N default VAEs seeded 1000 apart, scored by their mean -ELBO.
     * A study, not a detector the service has: three members cost three trainings and three model calls per record.
     */
    private static final class MeanOfVaes implements Detector {
        private final List<VaeDetector> members = new ArrayList<>();

        MeanOfVaes(int size, long seed) {
            for (int m = 0; m < size; m++) {
                members.add(vae(seed + 1000L * m));
            }
        }

        @Override
        public String name() {
            return "vaemean" + members.size();
        }

        @Override
        public void fit(double[][] train) {
            members.forEach(m -> m.fit(train));
        }

        @Override
        public double[] score(double[][] test) {
            double[] mean = new double[test.length];
            for (VaeDetector m : members) {
                double[] s = m.score(test);
                for (int i = 0; i < s.length; i++) {
                    mean[i] += s[i] / members.size();
                }
            }
            return mean;
        }
    }

    /**
     * {@code white<support>[:detector]}: the default VAE (or the named detector) on inputs whitened by a Mahalanobis
     * fit with that support fraction (1 = plain covariance), so a VAE that learns nothing scores the Mahalanobis distance.
     */
    private static final class Whitened implements Detector {
        private final MahalanobisDetector whitener;
        private final Detector inner;

        Whitened(String spec, long seed) {
            String[] parts = spec.split(":");
            whitener = new MahalanobisDetector(parts[0].isEmpty() ? 1.0 : Double.parseDouble(parts[0]));
            inner = parts.length > 1 ? Detectors.create(parts[1], seed) : vae(seed);
        }

        @Override
        public String name() {
            return "white";
        }

        @Override
        public void fit(double[][] train) {
            whitener.fit(train);
            inner.fit(apply(train));
        }

        @Override
        public double[] score(double[][] test) {
            return inner.score(apply(test));
        }

        private double[][] apply(double[][] rows) {
            double[][] out = new double[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                out[i] = whitener.whiten(rows[i]);
            }
            return out;
        }
    }

    /** Mean and sample standard deviation of AUROC and AUPRC, mean training seconds. */
    private static double[] stats(List<double[]> runs) {
        double[] out = new double[5];
        for (int k = 0; k < 2; k++) {
            int col = k;
            double m = runs.stream().mapToDouble(r -> r[col]).average().orElse(Double.NaN);
            double v = runs.stream().mapToDouble(r -> (r[col] - m) * (r[col] - m)).sum() / Math.max(1, runs.size() - 1);
            out[2 * k] = m;
            out[2 * k + 1] = Math.sqrt(v);
        }
        out[4] = runs.stream().mapToDouble(r -> r[2]).average().orElse(Double.NaN);
        return out;
    }
}
