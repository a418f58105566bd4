package dev.vigil.model;

import dev.vigil.ingest.FeatureSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded model bundles with hand-made weights, for tests that need a model but not training. */
public final class Bundles {

    private Bundles() {
    }

    public static final FeatureSpec MIXED = new FeatureSpec(null, null, List.of(
            FeatureSpec.Feature.numeric("cpu"),
            FeatureSpec.Feature.categorical("region", List.of("eu", "us", "ap")),
            FeatureSpec.Feature.numeric("latency").asOptional(),
            FeatureSpec.Feature.numeric("bytes")));

    /** A bundle of {@code spec} with small random weights. */
    public static ModelBundle random(FeatureSpec spec, long seed) {
        return random(spec, VaeConfig.defaults(spec).withSeed(seed));
    }

    public static ModelBundle random(FeatureSpec spec, VaeConfig config) {
        long seed = config.seed();
        Random random = new Random(seed);
        Map<String, ModelBundle.Weight> weights = new LinkedHashMap<>();
        VaeGraph.weightShapes(new Layout(spec), config).forEach((name, shape) -> {
            float[] v = new float[shape.length == 1 ? shape[0] : shape[0] * shape[1]];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (0.3 * random.nextGaussian());
            }
            weights.put(name, new ModelBundle.Weight(shape, v));
        });
        double[] center = new double[spec.size()];
        double[] scale = new double[spec.size()];
        for (int j = 0; j < spec.size(); j++) {
            center[j] = spec.feature(j).isNumeric() ? 10 * j : 0;
            scale[j] = spec.feature(j).isNumeric() ? 0.5 + j : 1;
        }
        TrainingInfo info = new TrainingInfo(100, 10, 3, 2, List.of(3.0, 2.0, 2.5), List.of(3.1, 2.1, 2.6), 0.5, seed,
                Instant.ofEpochSecond(1_700_000_000L, 123));
        return new ModelBundle(spec, config, new Normalization(center, scale), weights, info, 0, new byte[0]);
    }

    /** Rows of the MIXED spec: numeric around their centers, a valid category. */
    static double[][] mixedRows(int n, long seed) {
        Random random = new Random(seed);
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = new double[] {random.nextGaussian(), random.nextInt(3), 20 + 3 * random.nextGaussian(),
                    30 + 4 * random.nextGaussian()};
        }
        return rows;
    }
}
