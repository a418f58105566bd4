package dev.vigil.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.demo.GeneratedRecord;
import dev.vigil.demo.TrafficGenerator;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The replay on the service's own topology: every record gets an outcome, models take effect at the
 * event time they were due, and the retraining interval runs on event time, not on the replay's
 * wall clock (which covers hours of event time in seconds).
 */
class BacktestTest {

    private static final FeatureSpec SPEC = new FeatureSpec("host", "ts", FeatureSpec.numeric(List.of("a", "b")).features(), null);
    private static final long START = 1_700_000_000_000L;
    private static final long STEP_MS = 10_000;
    private static final int RECORDS = 3_000; // 30,000 s of event time: a little over 8 h
    private static final Set<Integer> INJECTED = Set.of(1_500, 2_000, 2_500, 2_900);
    private static final int MALFORMED = 1_200;

    private static List<BacktestInput.Replayed> records;
    private static BacktestResult result;

    @BeforeAll
    static void replay() throws Exception {
        records = BacktestInput.inEventTimeOrder(traffic(), SPEC);
        result = new Backtest(settings(), SPEC).run("test", records, null, n -> { });
    }

    /** Two hosts, b = 2a; the file order is not time order; a few records far off the line, one that is not JSON. */
    private static List<BacktestInput.Replayed> traffic() {
        Random random = new Random(5);
        List<BacktestInput.Replayed> out = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            double a = random.nextGaussian();
            double b = INJECTED.contains(i) ? 2 * a + 40 : 2 * a + 0.1 * random.nextGaussian();
            String value = i == MALFORMED ? "{\"ts\":" + (START + i * STEP_MS) + ",\"a\":" // cut short
                    : String.format("{\"ts\":%d,\"host\":\"h%d\",\"a\":%f,\"b\":%f}", START + i * STEP_MS, i % 2, a, b);
            out.add(new BacktestInput.Replayed(null, value.getBytes(StandardCharsets.UTF_8), 0));
        }
        // Swap neighbours: the replay must sort by the timestamp field, not take file order.
        for (int i = 0; i + 1 < out.size(); i += 2) {
            out.set(i, out.set(i + 1, out.get(i)));
        }
        return out;
    }

    private static VigilSettings settings() {
        Map<String, String> p = new HashMap<>();
        p.put(VigilConfig.TRAIN_SAMPLE_RATE, "1.0");
        p.put(VigilConfig.TRAIN_MIN_RECORDS, "500");
        p.put(VigilConfig.TRAIN_EPOCHS, "15");
        p.put(VigilConfig.TRAIN_RETRAIN_INTERVAL_MS, Long.toString(Duration.ofHours(2).toMillis()));
        p.put(VigilConfig.TRAIN_CPU_SHARE, "1.0");
        return VigilSettings.from(VigilConfig.of(p));
    }

    @Test
    void shouldGiveEveryRecordAnOutcomeInEventTimeOrder() {
        assertThat(result.records()).isEqualTo(RECORDS);
        assertThat(result.deadLetters()).isEqualTo(1);
        assertThat(result.points()).hasSize(RECORDS - 1);
        assertThat(result.scored() + result.unscored()).isEqualTo(RECORDS - 1);
        for (int i = 1; i < result.points().size(); i++) {
            assertThat(result.points().get(i).eventTime()).isGreaterThanOrEqualTo(result.points().get(i - 1).eventTime());
        }
        assertThat(result.days().stream().mapToLong(BacktestResult.DayRow::records).sum()).isEqualTo(RECORDS - 1);
        assertThat(result.topEntities()).extracting(BacktestResult.EntityRow::entity).containsExactlyInAnyOrder("h0", "h1");
    }

    @Test
    void shouldScoreWithTheFirstModelFromTheEventTimeItWasDue() {
        BacktestResult.ModelRow first = result.models().get(0);
        assertThat(first.version()).isEqualTo(1);
        assertThat(first.result()).isEqualTo("promoted");
        // The window holds 500 samples once the 500th record's batch is flushed, when the clock moves to the
        // next record; the window's tick at that time, or at the one after, trains and publishes.
        long due = START + 500 * STEP_MS;
        assertThat(first.eventTime()).isBetween(due - STEP_MS, due + 2 * STEP_MS);
        List<BacktestResult.Point> after = result.points().stream().filter(p -> p.eventTime() > first.eventTime() + STEP_MS).toList();
        assertThat(after).isNotEmpty().allSatisfy(p -> assertThat(p.modelVersion()).isPositive());
        assertThat(result.points().stream().filter(p -> p.eventTime() < due - STEP_MS))
                .allSatisfy(p -> assertThat(p.modelVersion()).isZero());
    }

    @Test
    void shouldRetrainOnTheIntervalOfEventTime() {
        List<BacktestResult.ModelRow> runs = result.models();
        // After v1 (at about 1.4 h), a run is due every 2 h of event time: at about 3.4, 5.4 and 7.4 h of 8.3.
        assertThat(runs).hasSize(4);
        for (int i = 1; i < runs.size(); i++) {
            long gap = runs.get(i).eventTime() - runs.get(i - 1).eventTime();
            assertThat(gap).as("gap before run %d", i).isBetween(Duration.ofHours(2).toMillis(), Duration.ofHours(2).toMillis() + 2 * STEP_MS);
        }
        assertThat(runs).extracting(BacktestResult.ModelRow::result).allSatisfy(r -> assertThat(r).isIn("promoted", "rejected"));
    }

    @Test
    void shouldAlertOnTheInjectedRecordsWithTheirAttribution() {
        List<Long> injectedTimes = INJECTED.stream().map(i -> START + i * STEP_MS).sorted().toList();
        assertThat(result.points()).filteredOn(p -> injectedTimes.contains(p.eventTime()))
                .hasSize(INJECTED.size()).allSatisfy(p -> assertThat(p.anomaly()).isTrue());
        // Each opens an incident, or folds into its host's incident opened within the cooldown (60 s) before it.
        for (int i : INJECTED) {
            long t = START + i * STEP_MS;
            assertThat(result.alerts()).as("the alert of record %d", i)
                    .anyMatch(a -> a.entity().equals("h" + i % 2) && a.eventTime() <= t && a.eventTime() >= t - 60_000);
        }
        assertThat(result.alerts()).filteredOn(a -> injectedTimes.contains(a.eventTime())).isNotEmpty().allSatisfy(a -> {
            assertThat(a.kind()).isEqualTo("anomaly");
            assertThat(a.score()).isGreaterThan(a.threshold());
            assertThat(a.topFeatures()).isNotEmpty();
            assertThat(a.topFeatures().get(0).name()).isIn("a", "b");
        });
        assertThat(result.anomalies()).as("few false alarms besides").isLessThan(INJECTED.size() + 30);
    }

    /**
     * A spec with context: parsed records go through the context's repartition topic inside the driver,
     * and a host that stops reporting raises one silence, judged on event time like everything else.
     */
    @Test
    void shouldReplayWithContextAndRaiseASilenceOnEventTime() throws Exception {
        TrafficGenerator.Options options = TrafficGenerator.Options.defaults()
                .withSilence(new TrafficGenerator.Silence("host-03", 1_500, 2_200));
        List<GeneratedRecord> generated = TrafficGenerator.generate(options, 3_000);
        FeatureSpec spec = TrafficGenerator.spec().withContext(ContextSettings.defaults());
        List<BacktestInput.Replayed> replayed = BacktestInput.inEventTimeOrder(generated.stream()
                .map(r -> new BacktestInput.Replayed(r.key(), r.value(), r.timestamp())).toList(), spec);

        BacktestResult withContext = new Backtest(settings(), spec).run("generated", replayed, null, n -> { });

        long malformed = generated.stream().filter(GeneratedRecord::isMalformed).count();
        assertThat(withContext.deadLetters()).isEqualTo(malformed);
        assertThat(withContext.points()).hasSize(generated.size() - (int) malformed);
        assertThat(withContext.alerts()).filteredOn(a -> a.kind().equals("silent"))
                .extracting(BacktestResult.AlertRow::entity).containsExactly("host-03");
    }
}
