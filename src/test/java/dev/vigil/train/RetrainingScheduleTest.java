package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetrainingScheduleTest {

    private final RetrainingSchedule schedule = new RetrainingSchedule(1_000, 5_000, Duration.ofMinutes(10));
    private static final long TEN_MINUTES = Duration.ofMinutes(10).toMillis();

    private boolean due(boolean hasModel, boolean shifting, long size, long admitted, long roundAdmitted, long msSince) {
        return schedule.due(new RetrainingSchedule.State(hasModel, shifting, size, admitted, roundAdmitted, msSince));
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
}
