package dev.vigil.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VaeScorerTest {

    private static ModelBundle bundle;
    private static VaeScorer scorer;
    private static final double[][] ROWS = Bundles.mixedRows(1000, 11);

    @BeforeAll
    static void open() {
        bundle = Bundles.random(Bundles.MIXED, 5);
        scorer = VaeScorer.open(bundle);
    }

    @AfterAll
    static void close() {
        scorer.close();
    }

    @Test
    void shouldComputeKlInClosedForm() {
        double[] mu = {0.5, -1.2, 0, 2.0, 0.1};
        double[] logVar = {0, -0.7, 1.3, -2.5, 0.4};
        ModelBundle fixed = withFixedPosterior(Bundles.random(Bundles.MIXED, VaeConfig.defaults(Bundles.MIXED).withLatentSize(mu.length)), mu, logVar);
        double expected = 0;
        for (int k = 0; k < mu.length; k++) {
            expected += 0.5 * (mu[k] * mu[k] + Math.exp(logVar[k]) - 1 - logVar[k]);
        }

        try (VaeScorer s = VaeScorer.open(fixed)) {
            ScoreBatch batch = s.score(Arrays.copyOf(ROWS, 10));
            for (int i = 0; i < batch.size(); i++) {
                assertThat(batch.get(i).kl()).isCloseTo(expected, within(1e-5 * expected));
            }
        }
    }

    @Test
    void shouldBoundARecordsVarianceByItsFeaturesFittedVariance() {
        // The decoder's log-variance head is pinned (zero weights, a chosen bias) from far below the
        // floor to e^30: without the bound a large head would call any value merely uncertain; with it
        // the variance stops at about e^margin times the feature's fitted one. The expected terms chain
        // the bounds as softplus, as documented, independently of the graph's precision form. One
        // sample of z, so a term is exactly the density at one decoded mean.
        double[] heads = {-20, 0.5, 30};
        for (VaeConfig config : List.of(VaeConfig.defaults(Bundles.MIXED).withSamples(1),
                VaeConfig.defaults(Bundles.MIXED).withSamples(1).withLogVarCeiling(1.0))) {
            ModelBundle random = Bundles.random(Bundles.MIXED, config);
            Map<String, ModelBundle.Weight> weights = new LinkedHashMap<>(random.weights());
            int nNum = 3;
            ModelBundle.Weight outW = weights.get("out/w");
            float[] w = outW.values();
            int width = outW.shape()[1];
            for (int r = 0; r < outW.shape()[0]; r++) {
                for (int k = nNum; k < 2 * nNum; k++) {
                    w[r * width + k] = 0;
                }
            }
            float[] outBias = weights.get("out/b").values();
            for (int k = 0; k < nNum; k++) {
                outBias[nNum + k] = (float) heads[k];
            }
            weights.put("out/w", new ModelBundle.Weight(outW.shape(), w));
            weights.put("out/b", new ModelBundle.Weight(weights.get("out/b").shape(), outBias));
            ModelBundle pinned = new ModelBundle(Bundles.MIXED, config, random.normalization(), weights, random.training(), 0, new byte[0]);
            float[] fitted = pinned.weights().get("num/logvar").values();
            int[] numeric = {0, 2, 3};

            try (VaeScorer s = VaeScorer.open(pinned)) {
                ScoreBatch batch = s.score(Arrays.copyOf(ROWS, 50));
                for (int i = 0; i < batch.size(); i++) {
                    RecordScore r = batch.get(i);
                    for (int k = 0; k < numeric.length; k++) {
                        int j = numeric[k];
                        double scale = pinned.normalization().scale()[j];
                        double residual = (ROWS[i][j] - r.expected(j)) / scale;
                        double lv = softplusFloor(config.logVarFloor(), heads[k]);
                        if (Double.isFinite(config.logVarCeiling())) {
                            lv = softplusCeiling(config.logVarCeiling(), lv);
                        }
                        lv = softplusCeiling(fitted[k] + config.recordLogVarMargin(), lv);
                        double expected = 0.5 * (Math.log(2 * Math.PI) + lv + residual * residual * Math.exp(-lv)) + Math.log(scale);
                        assertThat(r.featureTerm(j)).as("ceiling %s row %d feature %d", config.logVarCeiling(), i, j)
                                .isCloseTo(expected, within(1e-4 * (1 + Math.abs(expected))));
                    }
                }
            }
        }
    }

    private static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    private static double softplusFloor(double floor, double x) {
        return floor + softplus(x - floor);
    }

    private static double softplusCeiling(double ceiling, double x) {
        return ceiling - softplus(ceiling - x);
    }

    @Test
    void shouldScoreNumericFeaturesByAStudentTWithOneLearnedVariancePerFeature() {
        double nu = 4;
        // One sample of z, so a feature's term is exactly the density at the one decoded mean.
        VaeConfig config = VaeConfig.defaults(Bundles.MIXED).withDecoderVariance(VaeConfig.DecoderVariance.PER_FEATURE)
                .withStudentDof(nu).withSamples(1);
        ModelBundle robust = Bundles.random(Bundles.MIXED, config);
        float[] rawLogVar = robust.weights().get("num/logvar").values();
        double floor = config.logVarFloor();
        double ceiling = config.logVarCeiling();
        // lgamma(2) - lgamma(2.5) + log(4 pi) / 2
        double constant = -Math.log(1.329340388179137) + 0.5 * Math.log(nu * Math.PI);
        int[] numeric = {0, 2, 3};

        try (VaeScorer s = VaeScorer.open(robust)) {
            ScoreBatch batch = s.score(Arrays.copyOf(ROWS, 50));
            for (int i = 0; i < batch.size(); i++) {
                RecordScore r = batch.get(i);
                for (int k = 0; k < numeric.length; k++) {
                    int j = numeric[k];
                    double center = robust.normalization().center()[j];
                    double scale = robust.normalization().scale()[j];
                    double floored = softplusFloor(floor, rawLogVar[k]);
                    double lv = Double.isInfinite(ceiling) ? floored : softplusCeiling(ceiling, floored);
                    double residual = (ROWS[i][j] - r.expected(j)) / scale;
                    double expected = constant + 0.5 * lv + (nu + 1) / 2 * Math.log1p(residual * residual * Math.exp(-lv) / nu)
                            + Math.log(scale);
                    assertThat(r.featureTerm(j)).as("row %d feature %d (center %s)", i, j, center)
                            .isCloseTo(expected, within(1e-4 * (1 + Math.abs(expected))));
                }
            }
        }
    }

    @Test
    void shouldSplitTheScoreExactlyIntoKlAndFeatureTerms() {
        ScoreBatch batch = scorer.score(ROWS);
        assertThat(batch.size()).isEqualTo(ROWS.length);
        for (int i = 0; i < batch.size(); i++) {
            RecordScore r = batch.get(i);
            assertThat(r.kl() + Arrays.stream(r.featureTerms()).sum()).isCloseTo(r.score(), within(1e-9));
            assertThat(r.score()).isFinite();
            assertThat(r.featureCount()).isEqualTo(4);
        }
    }

    @Test
    void shouldScoreTheSameBatchBitIdenticallyTwice() {
        ScoreBatch first = scorer.score(ROWS);
        ScoreBatch second = scorer.score(ROWS);
        for (int i = 0; i < ROWS.length; i++) {
            assertThat(second.get(i).featureTerms()).isEqualTo(first.get(i).featureTerms());
            assertThat(second.get(i).kl()).isEqualTo(first.get(i).kl());
            assertThat(second.get(i).expected()).isEqualTo(first.get(i).expected());
        }
    }

    @Test
    void shouldScoreARecordBitIdenticallyInAnyBatch() {
        // A record replayed after a crash lands in another micro-batch: its score must not move, not even in the last bit.
        ScoreBatch whole = scorer.score(ROWS);
        List<String> differing = new java.util.ArrayList<>();
        for (int size : new int[] {1, 2, 3, 5, 7, 9, 13, 33, 65, 256}) {
            for (int from = 0; from < 300; from += size) {
                ScoreBatch part = scorer.score(Arrays.copyOfRange(ROWS, from, from + size));
                for (int i = 0; i < size; i++) {
                    double expected = whole.score(from + i);
                    if (Double.doubleToLongBits(part.score(i)) != Double.doubleToLongBits(expected)) {
                        differing.add("row " + (from + i) + " in a batch of " + size + ": " + part.score(i) + " vs " + expected);
                    }
                }
            }
        }
        assertThat(differing).isEmpty();
    }

    @Test
    void shouldScoreALoadedBundleBitIdentically() {
        ModelBundle loaded = ModelBundle.fromBytes(bundle.toBytes(), Bundles.MIXED);
        try (VaeScorer copy = VaeScorer.open(loaded)) {
            ScoreBatch a = scorer.score(ROWS);
            ScoreBatch b = copy.score(ROWS);
            for (int i = 0; i < ROWS.length; i++) {
                assertThat(b.get(i).featureTerms()).isEqualTo(a.get(i).featureTerms());
                assertThat(b.get(i).kl()).isEqualTo(a.get(i).kl());
            }
            assertThat(copy.scoreIwae(ROWS)).isEqualTo(scorer.scoreIwae(ROWS));
        }
    }

    @Test
    void shouldScoreMissingValuesFinitelyWithZeroContribution() {
        double[] row = ROWS[0].clone();
        row[2] = Double.NaN;
        row[1] = Double.NaN;

        RecordScore r = scorer.score(new double[][] {row}).get(0);

        assertThat(r.score()).isFinite();
        assertThat(r.featureTerm(2)).isZero();
        assertThat(r.featureTerm(1)).isZero();
        assertThat(r.missing()).containsExactly(false, true, true, false);
        assertThat(r.expected(2)).isFinite();
        assertThat(scorer.scoreIwae(new double[][] {row})[0]).isFinite();
    }

    @Test
    void shouldExplainCategoricalFeaturesWithAValidCategory() {
        ScoreBatch batch = scorer.score(Arrays.copyOf(ROWS, 50));
        for (int i = 0; i < batch.size(); i++) {
            assertThat(batch.get(i).expected(1)).isIn(0.0, 1.0, 2.0);
            assertThat(batch.get(i).featureTerm(1)).isPositive();
        }
    }

    @Test
    void shouldRejectAnInvalidCategoryIndexOrRowLength() {
        assertThatThrownBy(() -> scorer.score(new double[][] {{0, 3, 1, 1}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("region");
        assertThatThrownBy(() -> scorer.score(new double[][] {{0, 1, 1}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 values");
    }

    @Test
    void shouldListTopFeaturesByDescendingTerm() {
        RecordScore r = new RecordScore(1, new double[] {0.5, 3, -1, 2}, new double[4], new boolean[4]);

        assertThat(r.topFeatures(3)).containsExactly(1, 3, 0);
        assertThat(r.topFeatures(10)).containsExactly(1, 3, 0, 2);
        assertThat(r.score()).isEqualTo(5.5);
    }

    @Test
    void shouldScoreConcurrentlyWithTheSameResults() throws Exception {
        double[] expected = scores(scorer.score(ROWS));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> scores(scorer.score(ROWS))));
            }
            for (Future<double[]> f : futures) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void shouldRefuseToScoreAfterClose() {
        VaeScorer s = VaeScorer.open(bundle);
        s.close();
        s.close();

        assertThatThrownBy(() -> s.score(ROWS)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void shouldScoreAnEmptyBatchWithoutCallingTheModel() {
        assertThat(scorer.score(new double[0][]).size()).isZero();
        assertThat(scorer.scoreIwae(new double[0][])).isEmpty();
    }

    private static double[] scores(ScoreBatch batch) {
        double[] s = new double[batch.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = batch.score(i);
        }
        return s;
    }

    /** Zero encoder weights make mu and log sigma^2 equal the output biases for every input. */
    private static ModelBundle withFixedPosterior(ModelBundle base, double[] mu, double[] logVar) {
        Map<String, ModelBundle.Weight> weights = new LinkedHashMap<>();
        base.weights().forEach((name, w) -> {
            float[] v = w.values();
            if (name.startsWith("enc") || name.equals("mu/w") || name.equals("logvar/w")) {
                Arrays.fill(v, 0f);
            } else if (name.equals("mu/b") || name.equals("logvar/b")) {
                double[] source = name.equals("mu/b") ? mu : logVar;
                for (int k = 0; k < v.length; k++) {
                    v[k] = (float) source[k];
                }
            }
            weights.put(name, new ModelBundle.Weight(w.shape(), v));
        });
        return new ModelBundle(base.spec(), base.config(), base.normalization(), weights, base.training(), 0, new byte[0]);
    }
}
