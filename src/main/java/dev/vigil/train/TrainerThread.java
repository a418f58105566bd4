package dev.vigil.train;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * The one training in flight, on a low-priority daemon thread of its own: the punctuator starts it
 * and polls for its end, so scoring never waits for a training. A backtest runs it inline instead
 * ({@link TrainingRuns#INLINE}): the replay waits, so the model takes effect at the event time the
 * training was due.
 */
final class TrainerThread implements AutoCloseable {

    /**
     * A run that ended.
     *
     * @param admittedAtStart samples the window had admitted since the previous training when this one started
     * @param afterShift      whether it started during a shift, on the new normal only
     */
    record Finished(Retrainer.Outcome outcome, long admittedAtStart, boolean afterShift) {
    }

    private final ExecutorService executor;

    TrainerThread(TrainingRuns runs) {
        this.executor = runs == TrainingRuns.INLINE ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vigil-trainer");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY); // scoring comes first on a small machine
            return t;
        });
    }
    private Future<Retrainer.Outcome> running;
    private long admittedAtStart;
    private boolean afterShift;

    boolean busy() {
        return running != null;
    }

    void start(Callable<Retrainer.Outcome> run, long admittedAtStart, boolean afterShift) {
        if (busy()) {
            throw new IllegalStateException("a training is already running");
        }
        this.admittedAtStart = admittedAtStart;
        this.afterShift = afterShift;
        if (executor != null) {
            running = executor.submit(run);
            return;
        }
        FutureTask<Retrainer.Outcome> inline = new FutureTask<>(run);
        inline.run();
        running = inline;
    }

    /** The run that ended, once; empty while it runs or when none was started. A run that threw ends FAILED. */
    Optional<Finished> poll() {
        if (running == null || !running.isDone()) {
            return Optional.empty();
        }
        Retrainer.Outcome outcome;
        try {
            outcome = running.get();
        } catch (Exception e) {
            outcome = new Retrainer.Outcome(Retrainer.Result.FAILED, null, e.toString(), 0, Double.NaN, Double.NaN);
        }
        running = null;
        return Optional.of(new Finished(outcome, admittedAtStart, afterShift));
    }

    /** Whether the run in flight started during a shift; false when none runs. */
    boolean runningAfterShift() {
        return running != null && afterShift;
    }

    /**
     * Drops the run in flight: it hands over no outcome, its thread stops at the run's next training
     * step, and the next run queues behind it. A run that has ended is left for {@link #poll()}.
     */
    void cancel() {
        if (running != null && running.cancel(true)) {
            running = null;
        }
    }

    /** Interrupts the run in flight (a paced one stops at its next pause) and lets the thread go. */
    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
