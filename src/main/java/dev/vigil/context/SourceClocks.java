package dev.vigil.context;

import java.util.Arrays;

/**
 * The event-time clock of each input partition a task reads from: the latest event time of its
 * records seen since the task started. An entity's silence is judged against the clock of the
 * partition its records come from, so a partition that stops as a whole (its producer died) makes
 * none of its entities look silent, while its neighbours' records move on. Parallel arrays: a task
 * reads from few partitions.
 */
final class SourceClocks {

    private long[] sources = new long[0];
    private long[] times = new long[0];
    private long latest = Long.MIN_VALUE;

    void advance(long source, long eventTime) {
        latest = Math.max(latest, eventTime);
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == source) {
                times[i] = Math.max(times[i], eventTime);
                return;
            }
        }
        sources = Arrays.copyOf(sources, sources.length + 1);
        times = Arrays.copyOf(times, times.length + 1);
        sources[sources.length - 1] = source;
        times[times.length - 1] = eventTime;
    }

    /** The clock of {@code source} ({@link EntityState#sourceKey}), or Long.MIN_VALUE before its first record. */
    long at(long source) {
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == source) {
                return times[i];
            }
        }
        return Long.MIN_VALUE;
    }

    /** The latest clock of all, or Long.MIN_VALUE before the first record. */
    long latest() {
        return latest;
    }
}
