package dev.vigil.metrics;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the values of one label to a bounded set: a value is admitted as it comes (normalized to
 * {@code [a-z0-9_]}) until {@code maxValues} distinct values have been seen; after that every new
 * value is reported as {@value #OTHER}. A caller passing something unbounded by mistake (an
 * exception message, an entity key) therefore costs at most {@code maxValues} series.
 */
final class BoundedLabel {

    static final String OTHER = "other";
    private static final int MAX_LENGTH = 48;

    private final int maxValues;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();

    BoundedLabel(int maxValues) {
        if (maxValues < 1) {
            throw new IllegalArgumentException("maxValues must be >= 1, was " + maxValues);
        }
        this.maxValues = maxValues;
    }

    /** The label value to use for {@code raw}. */
    String admit(String raw) {
        String value = normalize(raw);
        if (admitted.contains(value)) {
            return value;
        }
        // Racing callers may overshoot the bound by a value or two; that is harmless.
        if (admitted.size() < maxValues) {
            admitted.add(value);
            return value;
        }
        return OTHER;
    }

    static String normalize(String raw) {
        if (raw == null || raw.isBlank()) {
            return "unknown";
        }
        String value = raw.strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_");
        return value.length() > MAX_LENGTH ? value.substring(0, MAX_LENGTH) : value;
    }
}
