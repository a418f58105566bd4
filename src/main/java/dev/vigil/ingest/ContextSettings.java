package dev.vigil.ingest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The spec's {@code "context"} block: derive features from each entity's recent records and
 * append them to the model's input (see {@code dev.vigil.context}). Part of the fingerprint, so a
 * model trained without context is refused by a spec with it, and the other way round.
 *
 * @param halfLife records after which an entity's recent level forgets half of what it knew; the
 *                 level and spread a record is compared with follow the entity at this pace
 */
public record ContextSettings(@JsonProperty("halfLife") int halfLife) {

    public static final int DEFAULT_HALF_LIFE = 16;

    @JsonCreator
    public ContextSettings(@JsonProperty("halfLife") Integer halfLife) {
        this(halfLife == null ? DEFAULT_HALF_LIFE : halfLife.intValue());
    }

    public ContextSettings {
        if (halfLife < 1 || halfLife > 100_000) {
            throw new InvalidFeatureSpecException("context \"halfLife\" must be between 1 and 100000 records, got " + halfLife);
        }
    }

    public static ContextSettings defaults() {
        return new ContextSettings(DEFAULT_HALF_LIFE);
    }
}
