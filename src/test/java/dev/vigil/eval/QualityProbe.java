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
                            : detector.startsWith("flow") ? new MarginalFlow(detector.substring("flow".length()), seed)
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

    /**
     * {@code flow[:detector]}: the default VAE (or the named detector; {@code flow:none} for none) on inputs each mapped
     * to standard normal scores by a monotone piecewise-linear map through the training values' mid-ranks, with the
     * map's log-derivative subtracted from the score: the change of variables, so the score stays a density bound on
     * the original inputs. {@code flow:none} scores the marginal densities alone (sum of g^2/2 - log g').
     */
    private static final class MarginalFlow implements Detector {
        private final Detector inner;
        private double[][] knotsX;
        private double[][] knotsZ;
        private double[] width;
        private double[] lowSlope;
        private double[] highSlope;

        MarginalFlow(String spec, long seed) {
            String name = spec.startsWith(":") ? spec.substring(1) : spec;
            inner = name.equals("none") ? null : name.isEmpty() ? vae(seed) : Detectors.create(name, seed);
        }

        @Override
        public String name() {
            return "flow";
        }

        @Override
        public void fit(double[][] train) {
            int d = train[0].length;
            int n = train.length;
            knotsX = new double[d][];
            knotsZ = new double[d][];
            width = new double[d];
            lowSlope = new double[d];
            highSlope = new double[d];
            // The training sd (1 for a constant feature) sizes the ties' width and the least slope beyond the range.
            double[] spreads = Standardizer.fit(train).scale;
            for (int j = 0; j < d; j++) {
                double[] col = new double[n];
                for (int i = 0; i < n; i++) {
                    col[i] = train[i][j];
                }
                java.util.Arrays.sort(col);
                double spread = spreads[j];
                List<Double> xs = new ArrayList<>();
                List<Double> zs = new ArrayList<>();
                int i = 0;
                while (i < n) {
                    int k = i;
                    double zsum = 0;
                    while (k < n && col[k] == col[i]) {
                        zsum += probit((k + 0.5) / n);
                        k++;
                    }
                    xs.add(col[i]);
                    zs.add(zsum / (k - i));
                    i = k;
                }
                if (xs.size() == 1) {
                    double x0 = xs.get(0);
                    xs = List.of(x0 - 1e-3 * spread, x0 + 1e-3 * spread);
                    zs = List.of(-1.0, 1.0);
                }
                knotsX[j] = xs.stream().mapToDouble(Double::doubleValue).toArray();
                knotsZ[j] = zs.stream().mapToDouble(Double::doubleValue).toArray();
                width[j] = 1e-3 * spread;
                int m = knotsX[j].length;
                lowSlope[j] = Math.max((knotsZ[j][1] - knotsZ[j][0]) / Math.max(knotsX[j][1] - knotsX[j][0], width[j]), 1 / spread);
                highSlope[j] = Math.max((knotsZ[j][m - 1] - knotsZ[j][m - 2]) / Math.max(knotsX[j][m - 1] - knotsX[j][m - 2], width[j]), 1 / spread);
            }
            if (inner != null) {
                inner.fit(map(train, null));
            }
        }

        @Override
        public double[] score(double[][] test) {
            double[] logJacobian = new double[test.length];
            double[][] mapped = map(test, logJacobian);
            double[] scores = new double[test.length];
            if (inner != null) {
                double[] s = inner.score(mapped);
                for (int i = 0; i < s.length; i++) {
                    scores[i] = s[i] - logJacobian[i];
                }
            } else {
                for (int i = 0; i < test.length; i++) {
                    double q = 0;
                    for (double g : mapped[i]) {
                        q += 0.5 * g * g;
                    }
                    scores[i] = q - logJacobian[i];
                }
            }
            return scores;
        }

        private double[][] map(double[][] rows, double[] logJacobian) {
            double[][] out = new double[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                out[i] = new double[rows[i].length];
                for (int j = 0; j < rows[i].length; j++) {
                    double x = rows[i][j];
                    out[i][j] = g(j, x);
                    if (logJacobian != null) {
                        double slope = (g(j, x + width[j]) - g(j, x - width[j])) / (2 * width[j]);
                        logJacobian[i] += Math.log(Math.max(slope, 1e-12));
                    }
                }
            }
            return out;
        }

        private double g(int j, double x) {
            double[] xs = knotsX[j];
            double[] zs = knotsZ[j];
            int m = xs.length;
            if (x <= xs[0]) {
                return zs[0] + (x - xs[0]) * lowSlope[j];
            }
            if (x >= xs[m - 1]) {
                return zs[m - 1] + (x - xs[m - 1]) * highSlope[j];
            }
            int k = java.util.Arrays.binarySearch(xs, x);
            if (k >= 0) {
                return zs[k];
            }
            int hi = -k - 1;
            int lo = hi - 1;
            return zs[lo] + (zs[hi] - zs[lo]) * (x - xs[lo]) / (xs[hi] - xs[lo]);
        }

        private static final double[] A = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
        private static final double[] B = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                6.680131188771972e+01, -1.328068155288572e+01};
        private static final double[] C = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
        private static final double[] D = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                3.754408661907416e+00};

        /** The standard normal quantile, by Acklam's rational approximation (relative error below 1.2e-9). */
        private static double probit(double p) {
            if (p < 0.02425) {
                double q = Math.sqrt(-2 * Math.log(p));
                return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
            }
            if (p > 1 - 0.02425) {
                return -probit(1 - p);
            }
            double q = p - 0.5;
            double r = q * q;
            return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
                    / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
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
