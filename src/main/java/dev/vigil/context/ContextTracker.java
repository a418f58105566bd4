package dev.vigil.context;

import dev.vigil.ingest.FeatureSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * Context for records read offline in time order ({@code vigil train}, {@code score},
 * {@code evaluate}): one {@link EntityState} per entity in memory, derived by the same
 * {@link ContextFeatures} as the stream. Rows without an entity belong to one unnamed entity (an SMD
 * file is one machine).
 */
public final class ContextTracker {

    private final ContextFeatures features;
    private final Map<String, EntityState> states = new HashMap<>();

    public ContextTracker(FeatureSpec spec) {
        this.features = new ContextFeatures(spec);
    }

    /** The model input of the next record of {@code entity} (null: the unnamed one). */
    public double[] next(String entity, double[] row, long eventTime) {
        EntityState state = states.computeIfAbsent(entity == null ? "" : entity, e -> features.newState());
        return features.apply(state, row, eventTime);
    }

    /**
     * The model inputs of rows in time order; {@code entities} (null: one entity) names each row's
     * entity, and a row's index stands for its event time.
     */
    public double[][] enrich(double[][] rows, String[] entities) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = next(entities == null ? null : entities[i], rows[i], i);
        }
        return out;
    }

    /** Entities held. */
    public int entities() {
        return states.size();
    }
}
