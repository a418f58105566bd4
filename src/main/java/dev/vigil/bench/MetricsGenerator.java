package dev.vigil.bench;

import dev.vigil.ingest.FeatureSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Seeded, correlated server metrics shaped like one SMD machine: 38 numeric features driven by a
 * few shared latent factors (load, memory pressure, network, ...) plus per-feature noise, so the
 * features are strongly correlated and a model has structure to learn. A small share of records
 * are anomalies (one or two features pushed far off the pattern), so the alert path runs too.
 *
 * <p>Records are JSON objects {@code {"host":"host-07","m00":0.4182,...}}; the host is the entity
 * key. The same seed gives the same records.
 */
public final class MetricsGenerator {

    /** Features per record, as in SMD. */
    public static final int FEATURES = 38;
    /** Number of latent factors behind the features. */
    static final int FACTORS = 5;
    static final int HOSTS = 32;
    // Formatted once: String.format per field took most of the load generator's thread, on the cores the apps it
    // measures run on.
    private static final String[] HOST_NAMES = IntStream.range(0, HOSTS)
            .mapToObj(i -> String.format("host-%02d", i)).toArray(String[]::new);
    private static final String[] NAMES = IntStream.range(0, FEATURES)
            .mapToObj(j -> String.format("m%02d", j)).toArray(String[]::new);

    private final SplittableRandom random;
    private final double anomalyRate;
    private final double[][] loadings = new double[FEATURES][FACTORS];
    private final double[] offset = new double[FEATURES];
    private final double[] noise = new double[FEATURES];
    private long produced;

    /** {@code anomalyRate}: share of records that are anomalies, in [0, 1]. */
    public MetricsGenerator(long seed, double anomalyRate) {
        if (!(anomalyRate >= 0 && anomalyRate <= 1)) {
            throw new IllegalArgumentException("anomalyRate must be in [0, 1], got " + anomalyRate);
        }
        // The shape of "normal" is fixed, not seeded: models trained on one seed must fit data of another.
        SplittableRandom shape = new SplittableRandom(0x5EED);
        for (int j = 0; j < FEATURES; j++) {
            for (int k = 0; k < FACTORS; k++) {
                loadings[j][k] = shape.nextDouble(-1, 1) * (k == j % FACTORS ? 1.0 : 0.3);
            }
            offset[j] = shape.nextDouble(2, 10);
            noise[j] = shape.nextDouble(0.05, 0.2);
        }
        this.random = new SplittableRandom(seed);
        this.anomalyRate = anomalyRate;
    }

    /** The feature spec of the records: entity key {@code host}, numeric features {@code m00..m37}. */
    public static FeatureSpec spec() {
        List<FeatureSpec.Feature> features = new ArrayList<>();
        for (int j = 0; j < FEATURES; j++) {
            features.add(FeatureSpec.Feature.numeric(name(j)));
        }
        return new FeatureSpec("host", null, features);
    }

    /** The next record's features, in spec order. */
    public double[] nextRow() {
        double[] z = new double[FACTORS];
        for (int k = 0; k < FACTORS; k++) {
            z[k] = gaussian();
        }
        double[] x = new double[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            double v = offset[j];
            for (int k = 0; k < FACTORS; k++) {
                v += loadings[j][k] * z[k];
            }
            x[j] = v + noise[j] * gaussian();
        }
        if (random.nextDouble() < anomalyRate) {
            int pushed = 1 + random.nextInt(2);
            for (int i = 0; i < pushed; i++) {
                x[random.nextInt(FEATURES)] += (random.nextBoolean() ? 1 : -1) * random.nextDouble(3, 6);
            }
        }
        produced++;
        return x;
    }

    /** {@code n} rows of features. */
    public double[][] rows(int n) {
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = nextRow();
        }
        return rows;
    }

    /** The host (entity key) of the next record, before {@link #nextValue()} is called. */
    public String nextHost() {
        return host(produced);
    }

    /** The next record as UTF-8 JSON. */
    public byte[] nextValue() {
        String host = host(produced);
        double[] x = nextRow();
        StringBuilder sb = new StringBuilder(16 + FEATURES * 14).append("{\"host\":\"").append(host).append('"');
        for (int j = 0; j < FEATURES; j++) {
            sb.append(",\"").append(name(j)).append("\":");
            // Four decimals, like real metric exports: keeps records near 500 bytes.
            sb.append(Math.round(x[j] * 10_000) / 10_000.0);
        }
        return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String host(long index) {
        return HOST_NAMES[(int) (index % HOSTS)];
    }

    private static String name(int j) {
        return NAMES[j];
    }

    private double gaussian() {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
