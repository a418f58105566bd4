package dev.vigil.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {

    private static final double EPS = 1e-12;

    @Test
    void shouldCountTiedPairsAsOneHalfInAuroc() {
        // Anomalies {0.4, 0.8} vs normals {0.1, 0.4}: pairs won 1 + 0.5 (tie) + 1 + 1 = 3.5 of 4.
        double auroc = Metrics.auroc(new double[] {0.1, 0.4, 0.4, 0.8}, new int[] {0, 0, 1, 1});
        assertThat(auroc).isCloseTo(0.875, within(EPS));
    }

    @Test
    void shouldGiveHalfAurocWhenAllScoresTie() {
        assertThat(Metrics.auroc(new double[] {1, 1, 1, 1}, new int[] {0, 1, 0, 1})).isCloseTo(0.5, within(EPS));
    }

    @Test
    void shouldNotDependOnRowOrderAmongTies() {
        double a = Metrics.auprc(new double[] {0.9, 0.5, 0.5, 0.1}, new int[] {0, 1, 0, 1});
        double b = Metrics.auprc(new double[] {0.9, 0.5, 0.5, 0.1}, new int[] {0, 0, 1, 1});
        assertThat(a).isCloseTo(b, within(EPS));
    }

    @Test
    void shouldComputeAveragePrecisionStepwise() {
        // Recall 0 -> 1/2 at precision 1 (first row), 1/2 -> 1 at precision 2/3 (third row).
        double ap = Metrics.auprc(new double[] {0.9, 0.8, 0.7, 0.6, 0.5}, new int[] {1, 0, 1, 0, 0});
        assertThat(ap).isCloseTo(0.5 * 1 + 0.5 * 2.0 / 3, within(EPS));
    }

    @Test
    void shouldEnterTiedRowsTogetherInAveragePrecision() {
        // 0.9: no anomaly. 0.5 (two rows): recall 1/2 at precision 1/3. 0.1: recall 1 at precision 2/4.
        double ap = Metrics.auprc(new double[] {0.9, 0.5, 0.5, 0.1}, new int[] {0, 1, 0, 1});
        assertThat(ap).isCloseTo(0.5 / 3 + 0.5 * 0.5, within(EPS));
    }

    @Test
    void shouldFindTheBestPointwiseF1AndItsThreshold() {
        // Thresholds 0.9, 0.8, 0.7, 0.6, 0.5 give F1 2/3, 1/2, 4/5, 2/3, 4/7.
        Metrics.BestF1 best = Metrics.bestF1(new double[] {0.9, 0.8, 0.7, 0.6, 0.5}, new int[] {1, 0, 1, 0, 0});
        assertThat(best.f1()).isCloseTo(0.8, within(EPS));
        assertThat(best.threshold()).isEqualTo(0.7);
        assertThat(best.precision()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(best.recall()).isCloseTo(1.0, within(EPS));
    }

    @Test
    void shouldComputeF1AndFalsePositiveRateAtAThreshold() {
        double[] scores = {0.9, 0.8, 0.7, 0.6, 0.5};
        int[] labels = {1, 0, 1, 0, 0};
        assertThat(Metrics.f1At(scores, labels, 0.75)).isCloseTo(0.5, within(EPS)); // TP 1, FP 1, FN 1
        assertThat(Metrics.fprAt(scores, labels, 0.65)).isCloseTo(1.0 / 3, within(EPS)); // 0.8 of {0.8, 0.6, 0.5}
    }

    @Test
    void shouldCreditWholeSegmentsUnderPointAdjustment() {
        int[] labels = {0, 1, 1, 1, 0, 0, 1, 1, 0};
        double[] scores = {0.1, 0.2, 0.9, 0.3, 0.4, 0.1, 0.2, 0.3, 0.5};
        assertThat(Metrics.pointAdjustedScores(scores, labels))
                .containsExactly(0.1, 0.9, 0.9, 0.9, 0.4, 0.1, 0.3, 0.3, 0.5);
        // At 0.9 point-wise: one hit of five anomalies, F1 = 2/6. Adjusted: the first segment's three rows, F1 = 6/8.
        assertThat(Metrics.f1At(scores, labels, 0.9)).isCloseTo(2.0 / 6, within(EPS));
        assertThat(Metrics.f1At(Metrics.pointAdjustedScores(scores, labels), labels, 0.9)).isCloseTo(0.75, within(EPS));
        // Best adjusted: threshold 0.3 flags all 5 anomalies and 2 normals, F1 = 10/12.
        assertThat(Metrics.bestPointAdjustedF1(scores, labels).f1()).isCloseTo(10.0 / 12, within(EPS));
        assertThat(Metrics.labelSegments(labels)).containsExactly(new int[] {1, 3}, new int[] {6, 7});
    }

    @Test
    void shouldParseOneBasedInterpretationLabels() {
        Metrics.Segment segment = Metrics.Segment.parse("246-252:1,2,38");
        assertThat(segment.start()).isEqualTo(245);
        assertThat(segment.end()).isEqualTo(251);
        assertThat(segment.dims()).containsExactly(0, 1, 37);
        assertThatThrownBy(() -> Metrics.Segment.parse("246:1")).hasMessageContaining("246:1");
        assertThatThrownBy(() -> Metrics.Segment.parse("0-3:1")).hasMessageContaining("1-based");
    }

    @Test
    void shouldScoreHitRateOnFlaggedRowsOrTheTopRowOfAMissedSegment() {
        List<Metrics.Segment> segments = List.of(Metrics.Segment.parse("2-4:1,3"), Metrics.Segment.parse("7-8:2"));
        double[] scores = {0.1, 0.2, 0.9, 0.6, 0.4, 0.1, 0.2, 0.3, 0.5};
        int[][] top = {
            {5, 6, 7}, {0, 5, 6}, {0, 1, 4}, {1, 3, 4}, {0, 1, 2}, {0, 1, 2}, {0, 2, 3}, {3, 1, 0}, {0, 1, 2}};
        // Segment 1 (rows 1..3, dims {0, 2}): flagged rows 2 (hit: 0) and 3 (miss) -> 1/2. Row 1 is not flagged,
        // so its hit does not count. Segment 2 (rows 6..7, dim {1}): nothing flagged, top row 7 hits -> 1.
        assertThat(Metrics.hitRate(segments, scores, 0.5, top)).isCloseTo(0.75, within(EPS));
    }

    @Test
    void shouldReturnNanWhenAMetricIsUndefined() {
        assertThat(Metrics.auroc(new double[] {0.1, 0.2}, new int[] {0, 0})).isNaN();
        assertThat(Metrics.auprc(new double[] {0.1, 0.2}, new int[] {0, 0})).isNaN();
        assertThat(Metrics.bestF1(new double[] {0.1, 0.2}, new int[] {0, 0}).f1()).isNaN();
    }

    @Test
    void shouldRefuseMismatchedLengthsAndNanScores() {
        assertThatThrownBy(() -> Metrics.auroc(new double[] {0.1}, new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Metrics.auroc(new double[] {Double.NaN, 1}, new int[] {0, 1}))
                .hasMessageContaining("NaN");
    }
}
