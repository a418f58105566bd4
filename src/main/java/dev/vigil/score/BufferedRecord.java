package dev.vigil.score;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.ByteArrayInputStream;

/**
 * A parsed record waiting in the micro-batch buffer, with everything its outputs need, in the
 * compact binary form kept in the changelogged buffer store.
 *
 * @param sequence  arrival order within the task; restores the order after a crash
 */
public record BufferedRecord(long sequence, SourceId source, long timestamp, String entity, long eventTime,
                             double[] features, byte[] key, byte[] value) {

    private static final byte FORMAT = 1;

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + features.length * 8 + length(key) + length(value));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(sequence);
            out.writeUTF(source.topic());
            out.writeInt(source.partition());
            out.writeLong(source.offset());
            out.writeLong(timestamp);
            out.writeBoolean(entity != null);
            if (entity != null) {
                out.writeUTF(entity);
            }
            out.writeLong(eventTime);
            out.writeShort(features.length);
            for (double f : features) {
                out.writeDouble(f);
            }
            writeBytes(out, key);
            writeBytes(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static BufferedRecord fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("buffered record of unknown format " + format);
            }
            long sequence = in.readLong();
            SourceId source = new SourceId(in.readUTF(), in.readInt(), in.readLong());
            long timestamp = in.readLong();
            String entity = in.readBoolean() ? in.readUTF() : null;
            long eventTime = in.readLong();
            double[] features = new double[in.readShort()];
            for (int i = 0; i < features.length; i++) {
                features[i] = in.readDouble();
            }
            return new BufferedRecord(sequence, source, timestamp, entity, eventTime, features, readBytes(in), readBytes(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int length(byte[] b) {
        return b == null ? 0 : b.length;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        return n < 0 ? null : in.readNBytes(n);
    }
}
