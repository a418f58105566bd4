package dev.vigil.bench;

import java.util.Arrays;

/** A growable list of latency samples in nanoseconds, with percentiles in milliseconds. Not thread-safe. */
final class Latencies {

    private long[] samples = new long[1 << 16];
    private int size;

    void add(long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = nanos;
    }

    int size() {
        return size;
    }

    /** The {@code q}-quantile (nearest rank) in milliseconds; NaN without samples. */
    double percentileMs(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(samples, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))] / 1e6;
    }
}
