package dev.vigil.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.testsupport.Await;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TrainerThreadTest {

    private static final Retrainer.Outcome REJECTED =
            new Retrainer.Outcome(Retrainer.Result.REJECTED, null, "worse", 1.0, 2.0, 3.0);

    @Test
    void shouldHandOverTheOutcomeOnceWithWhatWasTrueWhenTheRunStarted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TrainerThread trainer = new TrainerThread(TrainingRuns.BACKGROUND)) {
            trainer.start(() -> {
                release.await(10, TimeUnit.SECONDS);
                return REJECTED;
            }, 42, true);

            assertThat(trainer.busy()).isTrue();
            assertThat(trainer.poll()).isEmpty();
            assertThatThrownBy(() -> trainer.start(() -> REJECTED, 0, false)).isInstanceOf(IllegalStateException.class);
            release.countDown();

            Optional<TrainerThread.Finished> finished = Await.until("the run ended", Duration.ofSeconds(10), trainer::poll,
                    Optional::isPresent);
            assertThat(finished).contains(new TrainerThread.Finished(REJECTED, 42, true));
            assertThat(trainer.busy()).isFalse();
            assertThat(trainer.poll()).isEmpty();
        }
    }

    @Test
    void shouldEndARunThatThrowsAsFailedWithTheReason() {
        try (TrainerThread trainer = new TrainerThread(TrainingRuns.BACKGROUND)) {
            trainer.start(() -> {
                throw new IllegalStateException("boom");
            }, 0, false);

            Optional<TrainerThread.Finished> finished = Await.until("the run ended", Duration.ofSeconds(10), trainer::poll,
                    Optional::isPresent);
            assertThat(finished.orElseThrow().outcome().result()).isEqualTo(Retrainer.Result.FAILED);
            assertThat(finished.orElseThrow().outcome().reason()).contains("boom");
        }
    }

    @Test
    void shouldRunAnInlineRunOnTheCallersThreadAndHandItOverAtOnce() {
        Thread caller = Thread.currentThread();
        try (TrainerThread trainer = new TrainerThread(TrainingRuns.INLINE)) {
            trainer.start(() -> {
                assertThat(Thread.currentThread()).isSameAs(caller);
                return REJECTED;
            }, 7, false);

            assertThat(trainer.poll()).contains(new TrainerThread.Finished(REJECTED, 7, false));
            assertThat(trainer.busy()).isFalse();
        }
    }

    @Test
    void shouldDropACancelledRunAtOnceAndStartTheNextWhenItsThreadStops() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        try (TrainerThread trainer = new TrainerThread(TrainingRuns.BACKGROUND)) {
            trainer.start(() -> {
                started.countDown();
                try {
                    Thread.sleep(60_000); // a paced run's pause
                } catch (InterruptedException e) {
                    interrupted.countDown();
                }
                return REJECTED;
            }, 5, false);
            assertThat(trainer.runningAfterShift()).isFalse();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

            trainer.cancel();

            assertThat(trainer.busy()).as("dropped at once").isFalse();
            assertThat(trainer.poll()).as("a dropped run hands over no outcome").isEmpty();
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).as("the run's thread was interrupted").isTrue();

            // The next run on the same thread does not inherit the interrupt.
            trainer.start(() -> Thread.currentThread().isInterrupted() ? null : REJECTED, 9, true);
            assertThat(trainer.runningAfterShift()).isTrue();
            assertThat(Await.until("the next run ended", Duration.ofSeconds(10), trainer::poll, Optional::isPresent))
                    .contains(new TrainerThread.Finished(REJECTED, 9, true));
        }
    }

    @Test
    void shouldKeepTheOutcomeOfARunThatEndedBeforeItWasCancelled() {
        try (TrainerThread trainer = new TrainerThread(TrainingRuns.INLINE)) {
            trainer.start(() -> REJECTED, 3, false);
            trainer.cancel();
            assertThat(trainer.poll()).contains(new TrainerThread.Finished(REJECTED, 3, false));
        }
    }
}
