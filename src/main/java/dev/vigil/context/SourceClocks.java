package dev.vigil.context;

/**
 * The event-time clock of each input partition a task reads from: the latest event time of its
 * records seen since the task started. An entity's silence is judged against the clock of the
 * partition its records come from, so a partition that stops as a whole (its producer died) makes
 * none of its entities look silent, while its neighbours' records move on.
 */
final class SourceClocks {

    private final SourceTable times = new SourceTable();
    private long latest = Long.MIN_VALUE;

    void advance(long source, long eventTime) {
        latest = Math.max(latest, eventTime);
        times.put(source, Math.max(times.get(source, Long.MIN_VALUE), eventTime));
    }

    /** The clock of {@code source} ({@link EntityState#sourceKey}), or Long.MIN_VALUE before its first record. */
    long at(long source) {
        return times.get(source, Long.MIN_VALUE);
    }

    /** The latest clock of all, or Long.MIN_VALUE before the first record. */
    long latest() {
        return latest;
    }
}
