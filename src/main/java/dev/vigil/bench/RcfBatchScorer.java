package dev.vigil.bench;

import com.amazon.randomcutforest.RandomCutForest;
import com.amazon.randomcutforest.returntypes.DiVector;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.score.BatchScorer;
import dev.vigil.score.Contribution;
import dev.vigil.score.ScoredBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Random Cut Forest in the VAE's place in Vigil's topology, so that the benchmark compares the
 * detectors and nothing else: 50 trees, sample size 256, streaming score-then-update, one record
 * at a time (the forest's state changes with every record, so a batch cannot be scored at once).
 *
 * <p>The threshold is the {@code 1 - targetFpr} quantile of the scores the forest gave its own
 * training records (score-then-update, after the first {@value #SAMPLE_SIZE} which only fill it); a
 * p-value is the share of those training scores at or above a score. Attribution uses RCF's own
 * per-dimension attribution, computed only for records above the threshold.
 */
public final class RcfBatchScorer implements BatchScorer {

    public static final int TREES = 50;
    public static final int SAMPLE_SIZE = 256;

    private final RandomCutForest forest;
    private final FeatureSpec spec;
    private final double[] trainingScores;
    private final double threshold;

    private RcfBatchScorer(RandomCutForest forest, FeatureSpec spec, double[] sortedTrainingScores, double threshold) {
        this.forest = forest;
        this.spec = spec;
        this.trainingScores = sortedTrainingScores;
        this.threshold = threshold;
    }

    /** Feeds {@code rows} (normal traffic, all numeric) into a new seeded forest and sets the threshold for {@code targetFpr}. */
    public static RcfBatchScorer train(FeatureSpec spec, double[][] rows, double targetFpr, long seed) {
        if (rows.length <= SAMPLE_SIZE * 2) {
            throw new IllegalArgumentException("need more than " + SAMPLE_SIZE * 2 + " training rows, got " + rows.length);
        }
        RandomCutForest forest = RandomCutForest.builder()
                .dimensions(spec.size())
                .numberOfTrees(TREES)
                .sampleSize(SAMPLE_SIZE)
                .randomSeed(seed)
                .build();
        double[] scores = new double[rows.length - SAMPLE_SIZE];
        for (int i = 0; i < rows.length; i++) {
            if (i >= SAMPLE_SIZE) {
                scores[i - SAMPLE_SIZE] = forest.getAnomalyScore(rows[i]);
            }
            forest.update(rows[i]);
        }
        Arrays.sort(scores);
        int index = (int) Math.min(scores.length - 1, Math.ceil((1 - targetFpr) * scores.length));
        return new RcfBatchScorer(forest, spec, scores, scores[index]);
    }

    @Override
    public long modelVersion() {
        return 1;
    }

    @Override
    public long calibrationVersion() {
        return 1;
    }

    @Override
    public double threshold() {
        return threshold;
    }

    @Override
    public synchronized ScoredBatch score(double[][] rows) {
        double[] scores = new double[rows.length];
        DiVector[] attributions = new DiVector[rows.length];
        for (int i = 0; i < rows.length; i++) {
            scores[i] = forest.getAnomalyScore(rows[i]);
            if (scores[i] >= threshold) {
                attributions[i] = forest.getAnomalyAttribution(rows[i]);
            }
            forest.update(rows[i]);
        }
        return new ScoredBatch() {
            @Override
            public double score(int i) {
                return scores[i];
            }

            @Override
            public double pValue(int i) {
                return RcfBatchScorer.this.pValue(scores[i]);
            }

            @Override
            public dev.vigil.calibration.Severity severity(int i) {
                return scores[i] >= threshold ? dev.vigil.calibration.Severity.LOW : dev.vigil.calibration.Severity.NONE;
            }

            @Override
            public boolean anomaly(int i) {
                return scores[i] >= threshold;
            }

            @Override
            public List<Contribution> contributions(int i, int k) {
                return attributions[i] == null ? List.of() : RcfBatchScorer.this.contributions(rows[i], scores[i], attributions[i], k);
            }
        };
    }

    private double pValue(double score) {
        int i = Arrays.binarySearch(trainingScores, score);
        int atOrAbove = trainingScores.length - (i >= 0 ? lowest(i) : -i - 1);
        return Math.max(atOrAbove, 1) / (double) (trainingScores.length + 1);
    }

    private int lowest(int i) {
        while (i > 0 && trainingScores[i - 1] == trainingScores[i]) {
            i--;
        }
        return i;
    }

    private List<Contribution> contributions(double[] row, double score, DiVector attribution, int k) {
        double[] share = new double[row.length];
        for (int j = 0; j < row.length; j++) {
            share[j] = attribution.getHighLowSum(j) / score;
        }
        List<Contribution> out = new ArrayList<>();
        IntStream.range(0, row.length).boxed()
                .sorted(Comparator.comparingDouble(j -> -share[j]))
                .limit(k)
                .forEach(j -> out.add(new Contribution(spec.feature(j).name(), row[j], null, share[j], Double.NaN)));
        return out;
    }

    @Override
    public void close() {
    }
}
