package dev.vigil.ingest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The kind of a feature field, as named in the feature spec. */
public enum FeatureType {
    /** A real number; modelled by a Gaussian with a learned variance on standardized input. */
    NUMERIC,
    /** One of a fixed list of strings; one-hot in, softmax out. */
    CATEGORICAL,
    /** true or false; modelled as a categorical with the categories {@code false, true}. */
    BOOLEAN;

    @JsonValue
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static FeatureType fromJson(String name) {
        for (FeatureType t : values()) {
            if (t.jsonName().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown feature type '" + name + "' (allowed: numeric, categorical, boolean)");
    }
}
