package dev.vigil.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.demo.TrafficGenerator.Silence;
import dev.vigil.ingest.ContextSettings;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's plan: its spec, where the silence falls, and what the service sees of it in the demo's event time. */
class DemoRunnerTest {

    private static final long BEGIN_MILLIS = 1_767_225_600_000L;

    @Test
    void shouldRunTheServiceWithTheDefaultContextOnTheGeneratorsFeatures() {
        assertThat(DemoRunner.serviceSpec().context()).isEqualTo(ContextSettings.defaults());
        assertThat(DemoRunner.serviceSpec().features()).isEqualTo(TrafficGenerator.spec().features());
        assertThat(DemoRunner.serviceSpec().timestamp()).as("event time is the Kafka timestamp").isNull();
        assertThat(DemoRunner.spec().hasContext()).as("the spec vigil generate prints stays as it was").isFalse();
    }

    @Test
    void shouldSilenceHost03HalfWayForAFortiethOfTheRunAndAtLeastTwoSecondsAnd200Records() {
        assertThat(options(60, 2_000).silence()).as("the default demo: 2 s").isEqualTo(new Silence("host-03", 60_000, 64_000));
        assertThat(options(600, 2_000).silence()).as("a fortieth").isEqualTo(new Silence("host-03", 600_000, 630_000));
        assertThat(options(8, 500).silence()).as("DemoIT's run").isEqualTo(new Silence("host-03", 2_000, 3_000));
        assertThat(options(1_000, 1).silence()).as("200 records").isEqualTo(new Silence("host-03", 500, 700));
        assertThat(options(4, 2_000).silence()).as("too short to fit 2 s by three quarters").isNull();
    }

    @Test
    void shouldSilenceOnlyHost03InTheDefaultDemosEventTime() {
        DemoRunner.Options options = options(60, 2_000);
        Silence silence = options.silence();
        List<GeneratedRecord> records = new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(options.seed())
                .withSilence(silence)).stream().takeWhile(r -> r.index() < options.records()).toList();

        // Half a millisecond a record, in whole milliseconds: the demo's Kafka timestamps.
        SilenceReplay.Result replay = SilenceReplay.replay(records, r -> options.timestamp(BEGIN_MILLIS, r.index()), 0.3);

        assertThat(replay.withoutStrictRhythm()).as("records whose host had no rhythm even by a log-gap deviation of 0.3")
                .isZero();
        assertThat(replay.silences()).singleElement().satisfies(s -> {
            assertThat(s.host()).isEqualTo(DemoRunner.SILENT_HOST);
            assertThat(s.lastIndex()).isBetween(silence.from() - DemoRunner.SILENCE_LEAD_RECORDS, silence.from() - 1);
            assertThat(s.backIndex()).isBetween(silence.until(), silence.until() + 8);
            assertThat(s.gapMillis()).isBetween(2_000L, 2_010L);
        });
    }

    @Test
    void shouldSilenceOnlyHost03InTheShortestDemoWithASilence() {
        DemoRunner.Options options = options(8, 500);
        List<GeneratedRecord> records = new TrafficGenerator(TrafficGenerator.Options.defaults().withSeed(options.seed())
                .withSilence(options.silence())).stream().takeWhile(r -> r.index() < options.records()).toList();

        SilenceReplay.Result replay = SilenceReplay.replay(records, r -> options.timestamp(BEGIN_MILLIS, r.index()), 0.3);

        assertThat(replay.silences()).singleElement().satisfies(s -> {
            assertThat(s.host()).isEqualTo(DemoRunner.SILENT_HOST);
            assertThat(s.gapMillis()).as("past 5 usual gaps of about 16 ms").isGreaterThan((long) (20 * s.usualGapMillis()));
        });
    }

    private static DemoRunner.Options options(int seconds, int rate) {
        return new DemoRunner.Options(Duration.ofSeconds(seconds), rate, 7);
    }
}
