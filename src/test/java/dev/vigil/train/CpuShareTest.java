package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuShareTest {

    private final List<Long> pauses = new ArrayList<>();

    @Test
    void shouldPauseSoThatTrainingTakesItsShareOfTheTime() {
        CpuShare half = new CpuShare(0.5, pauses::add);
        half.afterStep(3_000_000);
        CpuShare quarter = new CpuShare(0.25, pauses::add);
        quarter.afterStep(2_000_000);

        assertThat(pauses).containsExactly(3_000_000L, 6_000_000L);
    }

    @Test
    void shouldGatherShortStepsIntoPausesOfAtLeastAMillisecond() {
        CpuShare half = new CpuShare(0.5, pauses::add);
        for (int i = 0; i < 5; i++) {
            half.afterStep(300_000);
        }
        // 0.3 ms owed per step: the fourth step makes 1.2 ms, the fifth starts over.
        assertThat(pauses).containsExactly(1_200_000L);
    }

    @Test
    void shouldNeverPauseAtFullShareAndRefuseAShareOutsideItsRange() {
        CpuShare full = new CpuShare(1.0, pauses::add);
        for (int i = 0; i < 100; i++) {
            full.afterStep(5_000_000);
        }
        assertThat(pauses).isEmpty();
        assertThatThrownBy(() -> new CpuShare(0, pauses::add)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CpuShare(1.5, pauses::add)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldStopAnInterruptedRunAtItsNextStepEvenAtFullShare() {
        CpuShare full = new CpuShare(1.0, pauses::add);
        full.afterStep(5_000_000);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> full.afterStep(5_000_000)).isInstanceOf(CpuShare.Interrupted.class);
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt stays set for whoever else looks").isTrue();
        } finally {
            Thread.interrupted(); // leave the test thread clean
        }
    }
}
