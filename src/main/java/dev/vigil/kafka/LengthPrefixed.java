package dev.vigil.kafka;

import java.nio.ByteBuffer;

/**
 * Byte arrays in Vigil's compact binary records (buffered and repartitioned records): a 4-byte
 * length, -1 for null, then the bytes.
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
