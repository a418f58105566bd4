package dev.vigil.score;

import dev.vigil.calibration.AlertPolicy;
import dev.vigil.calibration.Calibration;
import dev.vigil.calibration.Decision;
import dev.vigil.calibration.Severity;
import dev.vigil.context.ContextWords;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.ModelFormatException;
import dev.vigil.model.RecordScore;
import dev.vigil.model.ScoreBatch;
import dev.vigil.model.VaeScorer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The VAE as the topology sees it: one TensorFlow call per batch, then each record's p-value,
 * severity and decision from the bundle's calibration and the configured alert policy.
 */
public final class VaeBatchScorer implements BatchScorer {

    private final VaeScorer scorer;
    private final Calibration calibration;
    private final AlertPolicy policy;
    private final FeatureSpec spec;
    /** Index of the first context feature in the model's input (= its width without context). */
    private final int contextFrom;

    private VaeBatchScorer(VaeScorer scorer, Calibration calibration, AlertPolicy policy) {
        this.scorer = scorer;
        this.calibration = calibration;
        this.policy = policy;
        this.spec = scorer.bundle().spec().modelInput();
        this.contextFrom = scorer.bundle().spec().size();
    }

    /** Opens a scorer for a calibrated bundle; {@code policy} null means the policy the bundle was calibrated with. */
    public static VaeBatchScorer open(ModelBundle bundle, AlertPolicy policy) {
        return open(bundle, policy, bundle.config().threads());
    }

    /** As {@link #open(ModelBundle, AlertPolicy)}, scoring with {@code threads} TensorFlow threads ({@code vigil.score.threads}). */
    public static VaeBatchScorer open(ModelBundle bundle, AlertPolicy policy, int threads) {
        byte[] calibration = bundle.calibration();
        if (calibration.length == 0) {
            throw new ModelFormatException("model bundle v" + bundle.version() + " has no calibration: train it with vigil train");
        }
        Calibration c = Calibration.fromBytes(calibration);
        return new VaeBatchScorer(VaeScorer.open(bundle, threads), c, policy == null ? c.settings().alertPolicy() : policy);
    }

    public ModelBundle bundle() {
        return scorer.bundle();
    }

    @Override
    public java.util.Optional<ModelBundle> modelBundle() {
        return java.util.Optional.of(scorer.bundle());
    }

    public Calibration calibration() {
        return calibration;
    }

    /** TensorFlow threads of the scoring session. */
    public int threads() {
        return scorer.threads();
    }

    @Override
    public long modelVersion() {
        return scorer.bundle().version();
    }

    @Override
    public long calibrationVersion() {
        return calibration.version();
    }

    @Override
    public double threshold() {
        return calibration.threshold() + policy.minScoreMargin();
    }

    @Override
    public Map<String, Object> describe() {
        ModelBundle bundle = scorer.bundle();
        Map<String, Object> info = new java.util.LinkedHashMap<>();
        info.put("version", bundle.version());
        info.put("created_at", bundle.training().createdAt().toString());
        info.put("parameters", bundle.parameterCount());
        info.put("size_bytes", bundle.sizeBytes());
        info.put("features", spec.names());
        info.put("spec_fingerprint", bundle.spec().fingerprint());
        var training = bundle.training();
        Map<String, Object> t = new java.util.LinkedHashMap<>();
        t.put("records", training.records());
        t.put("validation_records", training.validationRecords());
        t.put("epochs", training.epochs());
        t.put("best_epoch", training.bestEpoch());
        t.put("train_loss", training.trainLoss().isEmpty() ? null : training.trainLoss().get(training.trainLoss().size() - 1));
        t.put("validation_loss", training.validationLoss().isEmpty() ? null
                : training.validationLoss().get(training.validationLoss().size() - 1));
        t.put("seconds", training.seconds());
        t.put("seed", training.seed());
        info.put("training", t);
        info.put("calibration_version", calibration.version());
        info.put("target_fpr", calibration.targetFpr());
        info.put("threshold", threshold());
        info.put("min_score_margin", policy.minScoreMargin());
        info.put("min_contributing_features", policy.minContributingFeatures());
        return info;
    }

    @Override
    public Scored score(double[][] rows) {
        ScoreBatch batch = scorer.score(rows);
        Decision[] decisions = new Decision[rows.length];
        for (int i = 0; i < rows.length; i++) {
            RecordScore r = batch.get(i);
            decisions[i] = policy.decide(calibration, r.score(), policy.minContributingFeatures() > 0 ? r.featureTermsMissingAsNaN() : null);
        }
        return new Scored(rows, batch, decisions);
    }

    /** A scored batch with the VAE's details (KL and per-feature terms) for callers that want them. */
    public final class Scored implements ScoredBatch {
        private final double[][] rows;
        private final ScoreBatch batch;
        private final Decision[] decisions;

        private Scored(double[][] rows, ScoreBatch batch, Decision[] decisions) {
            this.rows = rows;
            this.batch = batch;
            this.decisions = decisions;
        }

        /** The model's raw result for record {@code i}: KL, per-feature terms, expected values. */
        public RecordScore record(int i) {
            return batch.get(i);
        }

        @Override
        public double score(int i) {
            return decisions[i].score();
        }

        @Override
        public double pValue(int i) {
            return decisions[i].pValue();
        }

        @Override
        public Severity severity(int i) {
            return decisions[i].severity();
        }

        @Override
        public boolean anomaly(int i) {
            return decisions[i].anomaly();
        }

        @Override
        public List<Contribution> contributions(int i, int k) {
            return VaeBatchScorer.this.contributions(rows[i], batch.get(i), k);
        }
    }

    /**
     * The k most unusual features of a record: ranked by per-feature p-value (how rare the
     * feature's term is among normal records), then by term. Raw terms alone would favour
     * features with large natural spread; the p-value says "1 in 50,000 given the other fields".
     */
    List<Contribution> contributions(double[] row, RecordScore r, int k) {
        double[] terms = r.featureTermsMissingAsNaN();
        double positive = Math.max(r.kl(), 0);
        for (double t : terms) {
            positive += Double.isNaN(t) ? 0 : Math.max(t, 0);
        }
        double total = positive;
        double[] p = new double[terms.length];
        for (int j = 0; j < terms.length; j++) {
            p[j] = calibration.featureCount() == terms.length ? calibration.featurePValue(j, terms[j]) : Double.NaN;
        }
        List<Contribution> out = new ArrayList<>();
        IntStream.range(0, terms.length)
                .filter(j -> !r.missing(j))
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> Double.isNaN(p[j]) ? 1 : p[j])
                        .thenComparing(j -> -terms[j]))
                .limit(k)
                .forEach(j -> out.add(new Contribution(spec.feature(j).name(), value(j, row[j]), value(j, r.expected(j)),
                        total > 0 ? Math.max(terms[j], 0) / total : 0, p[j],
                        j < contextFrom ? null : ContextWords.describe(spec.feature(j).name(), row[j]))));
        return out;
    }

    private Object value(int feature, double v) {
        FeatureSpec.Feature f = spec.feature(feature);
        if (Double.isNaN(v)) {
            return null;
        }
        return switch (f.type()) {
            case NUMERIC -> v;
            case BOOLEAN -> v >= 0.5;
            case CATEGORICAL -> f.categories().get((int) Math.round(v));
        };
    }

    @Override
    public void close() {
        scorer.close();
    }
}
