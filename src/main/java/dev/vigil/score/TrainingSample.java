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
    /**
     * The anomaly byte of a sample the training window keeps for calibration only. Such a sample
     * was judged normal, so the byte is otherwise 0; {@link #fromBytes}, in this version and
     * earlier ones, reads anything but 1 as normal, so an older Vigil reading the window takes it
     * for a sample to train on instead of failing.
     */
    private static final byte CALIBRATION_ONLY = 2;

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 2 + 16 + LengthPrefixed.size(features));
        b.put(FORMAT).putLong(eventTime).put((byte) (scored ? 1 : 0)).put((byte) (anomaly ? 1 : 0))
                .putDouble(score).putDouble(pValue);
        LengthPrefixed.putDoubles(b, features);
        return b.array();
    }

    /** {@code bytes} (a sample judged normal) marked as kept for calibration only; a copy. */
    public static byte[] markedCalibrationOnly(byte[] bytes) {
        if (bytes[ANOMALY_BYTE] != 0) {
            throw new IllegalArgumentException("only a sample judged normal is kept for calibration only");
        }
        byte[] marked = bytes.clone();
        marked[ANOMALY_BYTE] = CALIBRATION_ONLY;
        return marked;
    }

    /** Whether {@code bytes} carry the mark of {@link #markedCalibrationOnly}. */
    public static boolean isCalibrationOnly(byte[] bytes) {
        return bytes[ANOMALY_BYTE] == CALIBRATION_ONLY;
    }

    public static TrainingSample fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte format = b.get();
        if (format != FORMAT) {
            throw new IllegalArgumentException("training sample of unknown format " + format);
        }
        long eventTime = b.getLong();
        boolean scored = b.get() == 1;
        boolean anomaly = b.get() == 1;
        double score = b.getDouble();
        double pValue = b.getDouble();
        double[] features = LengthPrefixed.getDoubles(b);
        return new TrainingSample(eventTime, scored, anomaly, score, pValue, features);
    }
}
