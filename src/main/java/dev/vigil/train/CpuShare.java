package dev.vigil.train;

import dev.vigil.model.TrainingListener;

/**
 * Keeps a training to a share of one core: after each optimizer step it pauses for as long as
 * the step took times {@code (1 - share) / share}. On a small machine a retraining otherwise takes
 * a whole core from the broker and the stream thread for its duration; at share 0.5 it takes
 * half, and finishes in twice the time.
 */
final class CpuShare implements TrainingListener {

    private static final long MIN_PAUSE_NANOS = 1_000_000;

    /** A paced training was interrupted, e.g. because its task is closing or a shift came: not a failure of the model. */
    static final class Interrupted extends RuntimeException {
        Interrupted(InterruptedException cause) {
            super("training interrupted", cause);
        }
    }

    /** Sleeps for the given nanoseconds. */
    interface Pause {
        void pause(long nanos) throws InterruptedException;
    }

    private final double share;
    private final Pause pause;
    private long owedNanos;

    CpuShare(double share) {
        this(share, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    CpuShare(double share, Pause pause) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("share must be in (0, 1], got " + share);
        }
        this.share = share;
        this.pause = pause;
    }

    @Override
    public void epoch(int epoch, double trainLoss, double validationLoss, double seconds) {
    }

    /** Throws {@link Interrupted} when this thread was interrupted (and leaves the flag set). */
    static void stopIfInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new Interrupted(new InterruptedException("interrupted between steps"));
        }
    }

    @Override
    public void afterStep(long stepNanos) {
        stopIfInterrupted(); // at the next step even when no pause is owed (share 1)
        owedNanos += (long) (stepNanos * (1 - share) / share);
        if (owedNanos < MIN_PAUSE_NANOS) {
            return; // pause in slices of at least a millisecond: shorter sleeps cost more than they give
        }
        long nanos = owedNanos;
        owedNanos = 0;
        try {
            pause.pause(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Interrupted(e);
        }
    }
}
