package dev.vigil.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.backtest.BacktestResult.AlertRow;
import dev.vigil.backtest.BacktestResult.EntityRow;
import dev.vigil.backtest.BacktestResult.Feature;
import dev.vigil.backtest.BacktestResult.Point;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report without a browser: what it embeds, how much, and that data cannot break out of its place. */
class BacktestReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BREAKOUT = "</script><script>alert(1)</script>";

    @Test
    void shouldDrawEveryPointOfABacktestWithinTheBound() {
        BacktestResult result = SyntheticBacktest.result();

        PlotPoints plot = PlotPoints.of(result.points());

        assertThat(plot.reduced()).isFalse();
        assertThat(plot.points()).isEqualTo(result.points());
    }

    @Test
    void shouldBoundTheDrawnPointsOfAMillionRecordsAndKeepEveryAnomalyAndTheHighestScores() {
        List<Point> points = drifting(1_200_000, 2_000);
        long anomalies = points.stream().filter(Point::anomaly).count();
        double highestNormal = points.stream().filter(p -> !p.anomaly()).mapToDouble(Point::score).max().orElseThrow();

        PlotPoints plot = PlotPoints.of(points);

        assertThat(plot.points()).hasSizeLessThanOrEqualTo(PlotPoints.MAX_POINTS).hasSizeGreaterThan(PlotPoints.MAX_POINTS / 2);
        assertThat(plot.points().stream().filter(Point::anomaly).count()).isEqualTo(anomalies).isEqualTo(plot.anomaliesKept());
        assertThat(plot.points()).anySatisfy(p -> assertThat(p.score()).isEqualTo(highestNormal));
        assertThat(plot.points()).isSortedAccordingTo((a, b) -> Long.compare(a.eventTime(), b.eventTime()));
        assertThat(plot.buckets()).isEqualTo(PlotPoints.MAX_POINTS - (int) anomalies);
    }

    @Test
    void shouldBucketAnomaliesTooWhenTheyAloneWouldTakeMoreThanHalfTheBound() {
        List<Point> points = drifting(400_000, 10);

        PlotPoints plot = PlotPoints.of(points);

        assertThat(plot.anomalies()).isEqualTo(40_000);
        assertThat(plot.points()).hasSizeLessThanOrEqualTo(PlotPoints.MAX_POINTS);
        assertThat(plot.anomaliesKept()).isBetween((long) PlotPoints.MAX_POINTS / 4, (long) PlotPoints.MAX_POINTS);
        String page = BacktestReport.html(result(points, List.of()));
        assertThat(page).contains("of the 40,000 anomalies, the highest of each span");
    }

    @Test
    void shouldKeepTheColdStartAsAGapWhenReducing() {
        List<Point> points = drifting(100_000, 1_000);
        for (int i = 0; i < 10_000; i++) {
            points.set(i, new Point(points.get(i).eventTime(), Double.NaN, Double.NaN, false, 0));
        }

        PlotPoints plot = PlotPoints.of(points, 1_000);

        // The first tenth of event time is unscored: about a tenth of the buckets hold one unscored point each.
        long unscored = plot.points().stream().filter(p -> Double.isNaN(p.score())).count();
        assertThat(unscored).isBetween(80L, 120L);
        assertThat(plot.points().get(0).score()).isNaN();
    }

    @Test
    void shouldWriteNonFiniteNumbersAsNullInTheEmbeddedJson() throws IOException {
        BacktestResult result = SyntheticBacktest.result();

        JsonNode data = embeddedData(BacktestReport.html(result));

        assertThat(data.get("score").get(0).isNull()).isTrue();
        assertThat(data.get("threshold").get(0).isNull()).isTrue();
        assertThat(data.get("score").get(SyntheticBacktest.COLD_START).isNumber()).isTrue();
        JsonNode silence = data.get("alerts").get(2);
        assertThat(silence.get("kind").asText()).isEqualTo("silent");
        assertThat(silence.get("score").isNull()).isTrue();
        assertThat(data.toString()).doesNotContain("NaN", "Infinity");
    }

    @Test
    void shouldNotLetAnEntityOrFeatureNameEndItsScriptElementOrBecomeMarkup() throws IOException {
        AlertRow alert = new AlertRow("anomaly", 60_000, "host" + BREAKOUT, 99, 30, "high", "inc-1",
                List.of(new Feature("cpu" + BREAKOUT, 0.9, "words" + BREAKOUT)), "{\"entity\":\"host" + BREAKOUT + "\"}");
        BacktestResult result = new BacktestResult("file" + BREAKOUT, 1, 1, 1, 0, 0,
                List.of(new Point(60_000, 99, 30, true, 1)), List.of(alert), List.of(), List.of(),
                List.of(new EntityRow("host" + BREAKOUT, 1, 1, 1)));

        String page = BacktestReport.html(result);

        // The page's own three scripts (data, uPlot, report) and nothing else open or close one.
        assertThat(count(page, "<script")).isEqualTo(3);
        assertThat(count(page, "</script")).isEqualTo(3);
        assertThat(page).contains("host&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
        JsonNode data = embeddedData(page);
        assertThat(data.get("alerts").get(0).get("entity").asText()).isEqualTo("host" + BREAKOUT);
        assertThat(data.get("alerts").get(0).get("features").get(0).get("words").asText()).isEqualTo("words" + BREAKOUT);
    }

    @Test
    void shouldReferToNothingOutsideThePage() {
        String page = BacktestReport.html(SyntheticBacktest.result());

        assertThat(page).doesNotContainPattern("(?i)(src|href)\\s*=\\s*[\"']?\\s*(https?:)?//");
        assertThat(page).doesNotContainPattern("(?i)url\\(\\s*[\"']?\\s*(https?:)?//");
        assertThat(page).doesNotContainPattern("(?i)@import");
        assertThat(page).contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';");
    }

    @Test
    void shouldWriteABoundedPageForAMillionRecords(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("report.html");

        BacktestReport.write(result(drifting(1_000_000, 5_000), List.of()), file);

        String page = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(Files.size(file)).isLessThan(2_000_000);
        assertThat(embeddedData(page).get("x").size()).isLessThanOrEqualTo(PlotPoints.MAX_POINTS);
        assertThat(page).containsPattern("Drawn: [0-9,]+ of 1,000,000 records \\(a report embeds at most 20,000\\)");
    }

    @Test
    void shouldPutTheLinearPartOfTheAxisBelowTheThresholdAndClipSpikesFarAboveIt() {
        ScoreAxis axis = ScoreAxis.of(SyntheticBacktest.result().points());

        assertThat(axis.linear()).isEqualTo(10);
        assertThat(axis.ceiling()).isEqualTo(10_000);
        assertThat(axis.clipped()).isTrue();
        assertThat(axis.max()).isEqualTo(10_000);
        assertThat(axis.min()).isNegative();
    }

    @Test
    void shouldShowScoresOfEveryMagnitudeReadably() {
        assertThat(BacktestReport.number(31.5)).isEqualTo("31.5");
        assertThat(BacktestReport.number(2_480)).isEqualTo("2,480");
        assertThat(BacktestReport.number(2_859_678_874.0)).isEqualTo("2.86e9");
        assertThat(BacktestReport.number(-4.25)).isEqualTo("-4.25");
        assertThat(BacktestReport.number(Double.NaN)).isEqualTo("&ndash;");
    }

    /** One point a second with a noisy upward drift; every {@code anomalyEvery}-th point an anomaly. */
    private static List<Point> drifting(int n, int anomalyEvery) {
        SplittableRandom random = new SplittableRandom(7);
        List<Point> points = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean anomaly = i % anomalyEvery == anomalyEvery / 2;
            double score = anomaly ? 100 + random.nextDouble() * 1e4 : 10 + 5.0 * i / n + random.nextGaussian() * 3;
            points.add(new Point(1_700_000_000_000L + i * 1_000L, score, 40, anomaly, 1));
        }
        return points;
    }

    private static BacktestResult result(List<Point> points, List<AlertRow> alerts) {
        long anomalies = points.stream().filter(Point::anomaly).count();
        return new BacktestResult("synthetic", points.size(), points.size(), anomalies, 0, 0, points, alerts, List.of(),
                List.of(), List.of());
    }

    private static JsonNode embeddedData(String page) throws IOException {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"report-data\">(.*?)</script>", Pattern.DOTALL)
                .matcher(page);
        assertThat(m.find()).as("the page embeds its data").isTrue();
        return JSON.readTree(m.group(1));
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle), Pattern.CASE_INSENSITIVE).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
