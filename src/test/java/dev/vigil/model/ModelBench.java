package dev.vigil.model;

import dev.vigil.ingest.FeatureSpec;
import java.util.Arrays;
import java.util.Random;

/**
 * Throughput of the VAE with 38 numeric features (a main class, not a test: run it by hand).
 * Prints training time and samples/s on 50k records, then scoring records/s per batch size and
 * number of samples L.
 */
public final class ModelBench {

    public static void main(String[] args) {
        int dim = 38;
        FeatureSpec spec = FeatureSpec.numeric(dim);
        LinearGaussian data = new LinearGaussian(dim, 5, 1);
        double[][] train = data.sample(50_000, new Random(1));
        VaeConfig config = VaeConfig.defaults(spec);
        System.out.println("config " + config);
        long t0 = System.nanoTime();
        ModelBundle bundle = VaeTrainer.train(spec, train, config, TrainingListener.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        int epochs = bundle.training().epochs();
        int trainRecords = bundle.training().records() - bundle.training().validationRecords();
        System.out.printf("train 50k x %d: %.1f s, %d epochs (best %d), %.0f samples/s, %d parameters, bundle %d bytes%n",
                dim, seconds, epochs, bundle.training().bestEpoch(), (double) trainRecords * epochs / seconds,
                bundle.parameterCount(), bundle.sizeBytes());
        double[][] rows = data.sample(200_000, new Random(2));
        for (int samples : new int[] {1, 2, 4, 8, 16}) {
            VaeConfig c = bundle.config().withSamples(samples);
            ModelBundle b = new ModelBundle(spec, c, bundle.normalization(), bundle.weights(), bundle.training(), 0, new byte[0]);
            try (VaeScorer scorer = VaeScorer.open(b)) {
                StringBuilder line = new StringBuilder("L=" + samples + ":");
                for (int batch : new int[] {1, 16, 256, 1024}) {
                    line.append(String.format("  batch %d %.0f rec/s", batch, rate(scorer, rows, batch)));
                }
                System.out.println(line);
            }
        }
        try (VaeScorer scorer = VaeScorer.open(bundle)) {
            double[][] chunk = Arrays.copyOf(rows, 256);
            for (int i = 0; i < 20; i++) {
                scorer.scoreIwae(chunk);
            }
            long start = System.nanoTime();
            int n = 0;
            while (System.nanoTime() - start < 2_000_000_000L) {
                scorer.scoreIwae(chunk);
                n += 256;
            }
            System.out.printf("IWAE K=%d batch 256: %.0f rec/s%n", bundle.config().iwaeSamples(), n / ((System.nanoTime() - start) / 1e9));
        }
        Runtime rt = Runtime.getRuntime();
        System.gc();
        System.out.printf("heap used after run: %d MB%n", (rt.totalMemory() - rt.freeMemory()) >> 20);
    }

    private static double rate(VaeScorer scorer, double[][] rows, int batch) {
        double[][][] batches = new double[rows.length / batch][][];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = Arrays.copyOfRange(rows, i * batch, (i + 1) * batch);
        }
        for (int i = 0; i < Math.min(200, batches.length); i++) {
            scorer.score(batches[i]);
        }
        long start = System.nanoTime();
        long n = 0;
        int i = 0;
        while (System.nanoTime() - start < 1_500_000_000L) {
            scorer.score(batches[i++ % batches.length]);
            n += batch;
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }
}
