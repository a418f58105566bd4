package dev.vigil.train;

import java.time.Duration;

/** Settings of the training window, its admission, its schedule and model publication (see {@link WindowProcessor}). */
public record WindowSettings(int windowRecords, long windowMs, int minRecords, int retrainRecords, Duration retrainInterval,
                             double retrainMaxTimeShare,
                             double admitMinPValue, double shiftAlertRate, Duration shiftMinDuration, double shiftAdmitShare,
                             int keepVersions, int maxBundleBytes, int driftUpdateRecords, Duration driftInterval) {
}
