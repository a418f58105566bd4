package dev.vigil.eval;

import dev.vigil.calibration.Calibration;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.RecordScore;
import dev.vigil.model.ScoreBatch;
import dev.vigil.model.VaeConfig;
import dev.vigil.model.VaeScorer;
import dev.vigil.train.ModelTrainer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * Vigil's own detector, trained exactly as the service trains it: {@link ModelTrainer} fits the VAE
 * and calibrates the threshold (target false-positive rate, tail fit) on rows it did not see (a
 * held-out fifth, or cross-fitted below {@link ModelTrainer#CROSS_FIT_ROWS} rows), so
 * {@link #calibratedThreshold()} is the threshold the service would alert at.
 *
 * <p>Two scores: {@link Score#ELBO} ({@code vae}, -ELBO in nats, what the service scores) and
 * {@link Score#IWAE} ({@code vae_iwae}, the importance-weighted estimate of -log p(x), a tighter
 * bound). The IWAE threshold is calibrated on IWAE scores of the same held-out slice, with the same
 * settings, since the bundle's calibration is for -ELBO; below {@link ModelTrainer#CROSS_FIT_ROWS}
 * training rows the calibration is cross-fitted, there is no held-out slice, and IWAE has none.
 *
 * <p>Attribution ({@link #topFeatures}) ranks features as alerts do
 * ({@code VaeBatchScorer.contributions}): by per-feature p-value (how rare this feature's
 * reconstruction term is among held-out normal rows), then by the term itself. Ranking by raw term
 * would favour features the model reconstructs loosely everywhere (large learned variance, or
 * near-constant features whose term swings with tiny changes), so HitRate@3 then measures how well
 * the attribution users see in alerts points at the right dimensions.
 *
 * <p>Deterministic: training is seeded and scoring uses fixed noise, so the same seed and data give
 * the same scores.
 */
public final class VaeDetector implements Detector {

    /** Which estimate of -log p(x) is the score. */
    public enum Score { ELBO, IWAE }

    /** Rows per TensorFlow call when scoring: bounds memory, does not change the scores. */
    private static final int CHUNK = 4096;

    private final Score score;
    private final long seed;
    private final CalibrationSettings settings;
    private final UnaryOperator<VaeConfig> variant;
    private ModelBundle bundle;
    private Calibration calibration;
    private double threshold;

    public VaeDetector(Score score, long seed) {
        this(score, seed, CalibrationSettings.defaults());
    }

    public VaeDetector(Score score, long seed, CalibrationSettings settings) {
        this(score, seed, settings, UnaryOperator.identity());
    }

    /** @param variant changes the default configuration, for studies of the model (see QualityProbe) */
    public VaeDetector(Score score, long seed, CalibrationSettings settings, UnaryOperator<VaeConfig> variant) {
        this.score = score;
        this.seed = seed;
        this.settings = settings;
        this.variant = variant;
    }

    @Override
    public String name() {
        return score == Score.ELBO ? "vae" : "vae_iwae";
    }

    @Override
    public void fit(double[][] train) {
        FeatureSpec spec = FeatureSpec.numeric(Standardizer.dimensions(train));
        VaeConfig config = variant.apply(VaeConfig.defaults(spec).withSeed(seed));
        ModelTrainer.Trained trained = ModelTrainer.train(spec, train, config, settings, (epoch, t, v, s) -> { });
        bundle = trained.bundle();
        calibration = Calibration.fromBytes(bundle.calibration());
        if (score == Score.ELBO) {
            threshold = calibration.threshold();
        } else if (trained.heldOut().length == 0) {
            // Cross-fitted calibration (fewer than ModelTrainer.CROSS_FIT_ROWS rows): no held-out rows to
            // calibrate IWAE scores on, so vae_iwae reports no threshold there.
            threshold = Double.NaN;
        } else {
            double[] heldOut;
            try (VaeScorer scorer = VaeScorer.open(bundle)) {
                heldOut = iwae(scorer, trained.heldOut());
            }
            // Same tail start as ModelTrainer uses for a held-out slice of this size.
            double tail = Math.max(0.9, Math.min(settings.tailQuantile(), 1.0 - 25.0 / heldOut.length));
            threshold = Calibration.fit(heldOut, null, settings.withTailQuantile(tail)).threshold();
        }
    }

    @Override
    public double[] score(double[][] test) {
        try (VaeScorer scorer = open()) {
            if (score == Score.IWAE) {
                return iwae(scorer, test);
            }
            double[] out = new double[test.length];
            for (int from = 0; from < test.length; from += CHUNK) {
                ScoreBatch batch = scorer.score(Arrays.copyOfRange(test, from, Math.min(test.length, from + CHUNK)));
                for (int i = 0; i < batch.size(); i++) {
                    out[from + i] = batch.score(i);
                }
            }
            return out;
        }
    }

    @Override
    public int[][] topFeatures(double[][] test, int k) {
        int[][] top = new int[test.length][];
        try (VaeScorer scorer = open()) {
            for (int from = 0; from < test.length; from += CHUNK) {
                ScoreBatch batch = scorer.score(Arrays.copyOfRange(test, from, Math.min(test.length, from + CHUNK)));
                for (int i = 0; i < batch.size(); i++) {
                    top[from + i] = rank(batch.get(i), k);
                }
            }
        }
        return top;
    }

    /** Features by per-feature p-value (rarest first), ties broken by the larger term; missing features last. */
    private int[] rank(RecordScore r, int k) {
        double[] terms = r.featureTermsMissingAsNaN();
        double[] p = new double[terms.length];
        for (int j = 0; j < terms.length; j++) {
            p[j] = calibration.featureCount() == terms.length ? calibration.featurePValue(j, terms[j]) : 1;
        }
        return IntStream.range(0, terms.length)
                .filter(j -> !r.missing(j))
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> p[j]).thenComparingDouble(j -> -terms[j]))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    @Override
    public Double calibratedThreshold() {
        return bundle == null || Double.isNaN(threshold) ? null : threshold;
    }

    private VaeScorer open() {
        if (bundle == null) {
            throw new IllegalStateException("fit before score");
        }
        return VaeScorer.open(bundle);
    }

    private static double[] iwae(VaeScorer scorer, double[][] rows) {
        double[] out = new double[rows.length];
        for (int from = 0; from < rows.length; from += CHUNK) {
            double[] part = scorer.scoreIwae(Arrays.copyOfRange(rows, from, Math.min(rows.length, from + CHUNK)));
            System.arraycopy(part, 0, out, from, part.length);
        }
        return out;
    }
}
