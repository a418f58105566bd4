package dev.vigil.kafka;

import java.nio.ByteBuffer;

/**
 * Arrays in Vigil's compact binary records (buffered, repartitioned and training records, entity
 * state): a byte array as a 4-byte length, -1 for null, then the bytes; a double array (a record's
 * features) as a 2-byte count, then the values.
 */
public final class LengthPrefixed {

    private LengthPrefixed() {
    }

    /** Bytes {@link #put} takes for {@code bytes}. */
    public static int size(byte[] bytes) {
        return 4 + (bytes == null ? 0 : bytes.length);
    }

    public static void put(ByteBuffer b, byte[] bytes) {
        b.putInt(bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            b.put(bytes);
        }
    }

    /** Bytes {@link #putDoubles} takes for {@code values}. */
    public static int size(double[] values) {
        return 2 + 8 * values.length;
    }

    public static void putDoubles(ByteBuffer b, double[] values) {
        b.putShort((short) values.length);
        for (double v : values) {
            b.putDouble(v);
        }
    }

    public static double[] getDoubles(ByteBuffer b) {
        double[] values = new double[b.getShort()];
        for (int i = 0; i < values.length; i++) {
            values[i] = b.getDouble();
        }
        return values;
    }

    public static byte[] get(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return bytes;
    }
}
