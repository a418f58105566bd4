package dev.vigil.train;

import java.time.Duration;

/**
 * When a training run is due. The first model is trained once the window holds
 * {@code minRecords}. After that, a retraining is due when {@code retrainRecords} new samples
 * entered since the last one, or {@code retrainInterval} passed with at least one new sample,
 * whichever comes first, but never sooner than keeps retraining within {@code maxTimeShare} of the
 * wall-clock time: after a run that took t, the next waits at least t (1 - share) / share. At high
 * rates the record count alone would start runs back to back. t is the last run of any kind on this
 * instance (0 after a start, when nothing is spaced). During a shift, a round is due each
 * time {@code minRecords / 2} samples were admitted by rank, whatever the window's size or the share.
 */
record RetrainingSchedule(int minRecords, int retrainRecords, Duration retrainInterval, double maxTimeShare) {

    /** What the schedule looks at, as of one tick. */
    record State(boolean hasModel, boolean shifting, long windowSize, long admittedSinceTraining, long admittedSinceShiftRound,
                 long msSinceLastTraining, long msLastTrainingTook) {
    }

    boolean due(State s) {
        if (s.shifting()) {
            return s.hasModel() ? s.admittedSinceShiftRound() >= minRecords / 2 : s.windowSize() >= minRecords;
        }
        if (s.windowSize() < minRecords) {
            return false;
        }
        if (!s.hasModel()) {
            return true;
        }
        // No spacing without a run to space from (after a start) or when the clock stepped back past the last run.
        long since = s.msSinceLastTraining();
        if (s.msLastTrainingTook() > 0 && since >= 0 && since < s.msLastTrainingTook() * (1 - maxTimeShare) / maxTimeShare) {
            return false;
        }
        return s.admittedSinceTraining() >= retrainRecords
                || (s.admittedSinceTraining() > 0 && since >= retrainInterval.toMillis());
    }
}
