package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetrainingScheduleTest {

    private final RetrainingSchedule schedule = new RetrainingSchedule(1_000, 5_000, Duration.ofMinutes(10), 0.2);
    private static final long TEN_MINUTES = Duration.ofMinutes(10).toMillis();

    private boolean due(boolean hasModel, boolean shifting, long size, long admitted, long roundAdmitted, long msSince) {
        return due(hasModel, shifting, size, admitted, roundAdmitted, msSince, 0);
    }

    private boolean due(boolean hasModel, boolean shifting, long size, long admitted, long roundAdmitted, long msSince, long msTook) {
        return schedule.due(new RetrainingSchedule.State(hasModel, shifting, size, admitted, roundAdmitted, msSince, msTook));
    }

    @Test
    void shouldTrainTheFirstModelOnceTheWindowHoldsTheMinimum() {
        assertThat(due(false, false, 999, 999, 0, 0)).isFalse();
        assertThat(due(false, false, 1_000, 1_000, 0, 0)).isTrue();
    }

    @Test
    void shouldRetrainAfterEnoughNewSamplesOrAfterTheIntervalWithAtLeastOne() {
        assertThat(due(true, false, 20_000, 4_999, 0, TEN_MINUTES - 1)).isFalse();
        assertThat(due(true, false, 20_000, 5_000, 0, 0)).isTrue();
        assertThat(due(true, false, 20_000, 1, 0, TEN_MINUTES)).isTrue();
        assertThat(due(true, false, 20_000, 0, 0, 10 * TEN_MINUTES)).isFalse();
    }

    @Test
    void shouldNotRetrainAWindowThatShrankBelowTheMinimum() {
        assertThat(due(true, false, 999, 5_000, 0, 10 * TEN_MINUTES)).isFalse();
    }

    @Test
    void shouldRunAShiftRoundPerHalfMinimumOfRankedSamplesWhateverTheWindowSize() {
        assertThat(due(true, true, 10, 0, 499, 10 * TEN_MINUTES)).isFalse();
        assertThat(due(true, true, 10, 0, 500, 0)).isTrue();
        // Without a model there is nothing to rank against yet: the first model comes as usual.
        assertThat(due(false, true, 999, 999, 999, 0)).isFalse();
        assertThat(due(false, true, 1_000, 0, 0, 0)).isTrue();
    }

    @Test
    void shouldSpaceRetrainingsSoThatTheyTakeAtMostTheirShareOfTheTime() {
        // A run of 10 s at a share of 0.2 leaves 40 s before the next, whatever the record count says.
        assertThat(due(true, false, 20_000, 50_000, 0, 39_999, 10_000)).isFalse();
        assertThat(due(true, false, 20_000, 50_000, 0, 40_000, 10_000)).isTrue();
        assertThat(due(true, false, 20_000, 1, 0, 10 * TEN_MINUTES, 10_000)).isTrue();
        // The share only spaces runs out: without enough samples nothing is due after the wait either.
        assertThat(due(true, false, 20_000, 4_999, 0, 40_000, 10_000)).isFalse();
    }

    @Test
    void shouldNotSpaceWithoutARunToSpaceFromOrWhenTheClockSteppedBack() {
        assertThat(due(true, false, 20_000, 5_000, 0, 0, 0)).as("after a start").isTrue();
        assertThat(due(true, false, 20_000, 5_000, 0, -5_000, 10_000)).as("last run in the clock's future").isTrue();
    }

    @Test
    void shouldNotSpaceOutShiftRoundsOrTheFirstModel() {
        assertThat(due(true, true, 10, 0, 500, 0, 60_000)).isTrue();
        assertThat(due(false, false, 1_000, 1_000, 0, 0, 60_000)).isTrue();
    }

    @Test
    void shouldRetrainBackToBackAtAShareOfOne() {
        RetrainingSchedule unspaced = new RetrainingSchedule(1_000, 5_000, Duration.ofMinutes(10), 1.0);
        assertThat(unspaced.due(new RetrainingSchedule.State(true, false, 20_000, 5_000, 0, 0, 60_000))).isTrue();
    }
}
