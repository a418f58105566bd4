package dev.vigil.context;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.vigil.score.Json;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A record of the alerts topic about an entity that stopped reporting: {@link SilenceAlert} when it
 * went silent, {@link SilenceResolved} when that ended. Both have {@code "kind": "silent"}, which
 * tells them apart from anomaly alerts ({@code "anomaly"}) on the same topic.
 */
public sealed interface Silence extends ContextOutput permits SilenceAlert, SilenceResolved {

    /** The {@code kind} of silence records. */
    String KIND = "silent";

    /** The alerts topic's values for silence records: JSON like every alert. */
    Serializer<Silence> SERIALIZER = (topic, silence) -> silence == null ? null : Json.bytes(silence);

    /** The entity, null for records without an entity key. */
    String entity();

    /** {@value #KIND}, for both. */
    @JsonProperty("kind")
    default String kind() {
        return KIND;
    }

    /**
     * The id of the alert for the silence that began after the record at {@code sourceId}:
     * {@code silent:<entity>:<topic:partition:offset>}, so a replay repeats it.
     */
    static String alertId(String entity, String sourceId) {
        return "silent:" + (entity == null ? "" : entity) + ':' + sourceId;
    }
}
