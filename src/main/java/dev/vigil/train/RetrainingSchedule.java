package dev.vigil.train;

import java.time.Duration;

/**
 * When a training run is due. The first model is trained once the window holds
 * {@code minRecords}. After that, a retraining is due when {@code retrainRecords} new samples
 * entered since the last one, or {@code retrainInterval} passed with at least one new sample,
 * whichever comes first. During a shift, a round is due each time {@code minRecords / 2} samples
 * were admitted by rank, whatever the window's size.
 */
record RetrainingSchedule(int minRecords, int retrainRecords, Duration retrainInterval) {

    /** What the schedule looks at, as of one tick. */
    record State(boolean hasModel, boolean shifting, long windowSize, long admittedSinceTraining, long admittedSinceShiftRound,
                 long msSinceLastTraining) {
    }

    boolean due(State s) {
        if (s.shifting()) {
            return s.hasModel() ? s.admittedSinceShiftRound() >= minRecords / 2 : s.windowSize() >= minRecords;
        }
        if (s.windowSize() < minRecords) {
            return false;
        }
        return !s.hasModel() || s.admittedSinceTraining() >= retrainRecords
                || (s.admittedSinceTraining() > 0 && s.msSinceLastTraining() >= retrainInterval.toMillis());
    }
}
