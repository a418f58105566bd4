package dev.vigil.context;

import dev.vigil.ingest.FeatureSpec;
import java.util.Locale;

/** Says in words what a context feature's value means, for alerts a person reads. */
public final class ContextWords {

    private ContextWords() {
    }

    /**
     * The meaning of {@code value} of the model-input feature {@code name}, or null when the feature
     * is not a context feature. For example "same values for 37 records in a row" or "cpu 31.2
     * spreads above its recent level".
     */
    public static String describe(String name, double value) {
        if (Double.isNaN(value)) {
            return null;
        }
        if (name.equals(FeatureSpec.UNCHANGED)) {
            long run = Math.round(Math.exp(value));
            return run <= 1 ? "values changed since the last record" : "same values for " + run + " records in a row";
        }
        if (name.endsWith(FeatureSpec.LEVEL)) {
            String feature = name.substring(0, name.length() - FeatureSpec.LEVEL.length());
            double spreads = Math.abs(ContextFeatures.spreads(value));
            return String.format(Locale.ROOT, "%s %.1f spreads %s its recent level", feature, spreads, value >= 0 ? "above" : "below");
        }
        if (name.endsWith(FeatureSpec.CHANGED)) {
            String feature = name.substring(0, name.length() - FeatureSpec.CHANGED.length());
            return value >= 0.5 ? feature + " differs from its last two values" : feature + " as in its last two values";
        }
        return null;
    }
}
