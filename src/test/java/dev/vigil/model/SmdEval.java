package dev.vigil.model;

import dev.vigil.ingest.FeatureSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Throwaway: AUROC / AUPRC of -ELBO vs IWAE on one SMD machine. Args: dataset dir, machine name. */
public final class SmdEval {

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "/work/shared/datasets/smd");
        String machine = args.length > 1 ? args[1] : "machine-1-6";
        double[][] train = read(dir.resolve("train").resolve(machine + ".txt"));
        double[][] test = read(dir.resolve("test").resolve(machine + ".txt"));
        double[][] labels = read(dir.resolve("test_label").resolve(machine + ".txt"));
        FeatureSpec spec = FeatureSpec.numeric(train[0].length);
        long t0 = System.nanoTime();
        ModelBundle bundle = VaeTrainer.train(spec, train, VaeConfig.defaults(spec), TrainingListener.NONE);
        System.out.printf("%s: trained on %d x %d in %.1f s, %d epochs%n", machine, train.length, train[0].length,
                (System.nanoTime() - t0) / 1e9, bundle.training().epochs());
        boolean[] anomaly = new boolean[test.length];
        for (int i = 0; i < test.length; i++) {
            anomaly[i] = labels[i][0] > 0.5;
        }
        for (int samples : new int[] {1, 4, 16}) {
            ModelBundle b = new ModelBundle(spec, bundle.config().withSamples(samples), bundle.normalization(), bundle.weights(),
                    bundle.training(), 0, new byte[0]);
            try (VaeScorer scorer = VaeScorer.open(b)) {
                ScoreBatch batch = scorer.score(test);
                double[] elbo = new double[test.length];
                for (int i = 0; i < elbo.length; i++) {
                    elbo[i] = batch.score(i);
                }
                report(machine + " -ELBO L=" + samples, elbo, anomaly);
                if (samples == 4) {
                    report(machine + " IWAE K=" + bundle.config().iwaeSamples(), scorer.scoreIwae(test), anomaly);
                }
            }
        }
    }

    private static void report(String name, double[] scores, boolean[] anomaly) {
        int pos = 0;
        for (boolean a : anomaly) {
            pos += a ? 1 : 0;
        }
        double[] p = new double[pos];
        double[] n = new double[anomaly.length - pos];
        int ip = 0;
        int in = 0;
        for (int i = 0; i < scores.length; i++) {
            if (anomaly[i]) {
                p[ip++] = scores[i];
            } else {
                n[in++] = scores[i];
            }
        }
        System.out.printf("%s: AUROC %.4f AUPRC %.4f%n", name, Auroc.of(n, p), auprc(scores, anomaly, pos));
    }

    /** Average precision over the ranking by descending score. */
    private static double auprc(double[] scores, boolean[] anomaly, int positives) {
        Integer[] idx = new Integer[scores.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(scores[b], scores[a]));
        double tp = 0;
        double ap = 0;
        for (int k = 0; k < idx.length; k++) {
            if (anomaly[idx[k]]) {
                tp++;
                ap += tp / (k + 1);
            }
        }
        return ap / positives;
    }

    private static double[][] read(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> !l.isBlank())
                .map(l -> Arrays.stream(l.split(",")).mapToDouble(Double::parseDouble).toArray()).toArray(double[][]::new);
    }
}
