package dev.vigil.eval;

import dev.vigil.context.ContextTracker;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import java.util.List;

/**
 * One evaluation task: unlabelled training rows, labelled test rows and, for SMD, the
 * interpretation segments (which dimensions caused each anomaly).
 *
 * @param name           the machine name or the CSV file's stem
 * @param train          training rows (unlabelled, possibly contaminated)
 * @param test           test rows, same width
 * @param testLabels     one 0/1 label per test row (1 = anomaly)
 * @param interpretation labelled segments for attribution quality, or {@code null}
 */
public record EvalDataset(String name, double[][] train, double[][] test, int[] testLabels, List<Metrics.Segment> interpretation) {
    public EvalDataset {
        if (train.length == 0 || test.length == 0) {
            throw new IllegalArgumentException(name + ": needs training and test rows");
        }
        if (testLabels.length != test.length) {
            throw new IllegalArgumentException(name + ": " + test.length + " test rows but " + testLabels.length + " labels");
        }
        if (train[0].length != test[0].length) {
            throw new IllegalArgumentException(name + ": " + train[0].length + " training features but " + test[0].length + " test features");
        }
        interpretation = interpretation == null ? null : List.copyOf(interpretation);
    }

    /**
     * The same task with context features ({@link ContextTracker}) appended to every row, for rows
     * that are one entity in time order, the test rows following the training rows (SMD). The
     * interpretation segments keep naming the record's own dimensions.
     */
    public EvalDataset withContext(ContextSettings settings) {
        FeatureSpec spec = FeatureSpec.numeric(features()).withContext(settings);
        ContextTracker tracker = new ContextTracker(spec);
        double[][] enrichedTrain = tracker.enrich(train, null);
        double[][] enrichedTest = new double[test.length][];
        for (int i = 0; i < test.length; i++) {
            enrichedTest[i] = tracker.next(null, test[i], train.length + i);
        }
        return new EvalDataset(name, enrichedTrain, enrichedTest, testLabels, interpretation);
    }

    public int features() {
        return train[0].length;
    }

    /** Share of anomalous test rows. */
    public double anomalyShare() {
        long n = 0;
        for (int label : testLabels) {
            n += label != 0 ? 1 : 0;
        }
        return (double) n / testLabels.length;
    }
}
