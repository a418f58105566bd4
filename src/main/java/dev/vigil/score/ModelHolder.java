package dev.vigil.score;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the one current model. Scoring takes a {@link Lease} for the length of a batch;
 * {@link #swap} makes a new model current at once, and the old one is closed when its last
 * lease is released, so a model is never closed under a batch in flight.
 */
public final class ModelHolder implements AutoCloseable {

    private final AtomicReference<Entry> current = new AtomicReference<>();
    private final java.util.function.Consumer<BatchScorer> onSwap;

    public ModelHolder() {
        this(scorer -> { });
    }

    /** {@code onSwap} is told about every new current model (e.g. to update metrics); it must not block. */
    public ModelHolder(java.util.function.Consumer<BatchScorer> onSwap) {
        this.onSwap = onSwap;
    }

    /** A scorer held for one batch; {@link #scorer()} is null before the first model (cold start). */
    public interface Lease extends AutoCloseable {
        BatchScorer scorer();

        @Override
        void close();
    }

    private static final Lease NO_MODEL = new Lease() {
        @Override
        public BatchScorer scorer() {
            return null;
        }

        @Override
        public void close() {
        }
    };

    private static final class Entry implements Lease {
        final BatchScorer scorer;
        final AtomicInteger refs = new AtomicInteger(1); // the holder's own reference

        Entry(BatchScorer scorer) {
            this.scorer = scorer;
        }

        boolean retain() {
            int n;
            do {
                n = refs.get();
                if (n <= 0) {
                    return false;
                }
            } while (!refs.compareAndSet(n, n + 1));
            return true;
        }

        @Override
        public BatchScorer scorer() {
            return scorer;
        }

        @Override
        public void close() {
            if (refs.decrementAndGet() == 0) {
                scorer.close();
            }
        }
    }

    public Lease acquire() {
        while (true) {
            Entry entry = current.get();
            if (entry == null) {
                return NO_MODEL;
            }
            if (entry.retain()) {
                return entry;
            }
        }
    }

    /** Makes {@code next} the current model; the previous one closes after its batches in flight. */
    public void swap(BatchScorer next) {
        Entry old = current.getAndSet(next == null ? null : new Entry(next));
        if (next != null) {
            onSwap.accept(next);
        }
        if (old != null) {
            old.close();
        }
    }

    /** The current model's version, or -1 before the first model. */
    public long currentVersion() {
        try (Lease lease = acquire()) {
            return lease.scorer() == null ? -1 : lease.scorer().modelVersion();
        }
    }

    /** The bundle of the current model when it has one (a VAE), else null. */
    public dev.vigil.model.ModelBundle currentBundle() {
        try (Lease lease = acquire()) {
            return lease.scorer() == null ? null : lease.scorer().modelBundle().orElse(null);
        }
    }

    @Override
    public void close() {
        swap(null);
    }
}
