package dev.vigil.score;

import dev.vigil.kafka.LengthPrefixed;
import java.nio.ByteBuffer;

/**
 * A scored (or unscored) record sampled for the training window, as it travels on the training
 * topic: the window task needs the features to train on and the score and outcome to decide
 * admission and to detect shifts.
 *
 * @param score   -ELBO under the model that scored it, NaN when unscored
 * @param pValue  NaN when unscored
 */
public record TrainingSample(long eventTime, boolean scored, boolean anomaly, double score, double pValue, double[] features) implements ScoringOutput {

    private static final byte FORMAT = 1;
    /** Offset of the anomaly byte: after the format, the event time and the scored byte. */
    private static final int ANOMALY_BYTE = 1 + 8 + 1;
    /** Bit of the anomaly byte that says whether the record was judged an anomaly. */
    private static final int ANOMALY = 1;
    /**
     * Bit of the anomaly byte that marks a sample the training window keeps for calibration only.
     * An older Vigil reads the byte as "anomaly" only when it is exactly 1, and of a window's
     * samples it reads only the event time and the features: it takes a marked sample for one to
     * train on instead of failing.
     */
    private static final int CALIBRATION_ONLY = 2;

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 2 + 16 + LengthPrefixed.size(features));
        b.put(FORMAT).putLong(eventTime).put((byte) (scored ? 1 : 0)).put((byte) (anomaly ? ANOMALY : 0))
                .putDouble(score).putDouble(pValue);
        LengthPrefixed.putDoubles(b, features);
        return b.array();
    }

    /** {@code bytes} marked as kept for calibration only; a copy. */
    public static byte[] markedCalibrationOnly(byte[] bytes) {
        byte[] marked = bytes.clone();
        marked[ANOMALY_BYTE] |= CALIBRATION_ONLY;
        return marked;
    }

    /** Whether {@code bytes} carry the mark of {@link #markedCalibrationOnly}. */
    public static boolean isCalibrationOnly(byte[] bytes) {
        return (bytes[ANOMALY_BYTE] & CALIBRATION_ONLY) != 0;
    }

    public static TrainingSample fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte format = b.get();
        if (format != FORMAT) {
            throw new IllegalArgumentException("training sample of unknown format " + format);
        }
        long eventTime = b.getLong();
        boolean scored = b.get() == 1;
        boolean anomaly = (b.get() & ANOMALY) != 0;
        double score = b.getDouble();
        double pValue = b.getDouble();
        double[] features = LengthPrefixed.getDoubles(b);
        return new TrainingSample(eventTime, scored, anomaly, score, pValue, features);
    }
}
