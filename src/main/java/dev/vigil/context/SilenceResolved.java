package dev.vigil.context;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The record that closes a {@link SilenceAlert} (see {@code schemas/silence-resolved.schema.json}):
 * the entity reported again, or it was forgotten after {@code vigil.context.entity.ttl.ms} without
 * a record. Its {@link #id()} is derived from the alert's, so a replay repeats it.
 *
 * @param alertId       the id of the silence alert it closes
 * @param lastEventTime event time of the entity's last record before the silence, epoch ms
 * @param returnedAt    event time of the record that ended the silence; null when the entity was forgotten
 * @param silentMs      how long the silence lasted in event time (until the entity was forgotten, if it was)
 */
public record SilenceResolved(String alertId, String entity, long lastEventTime, Long returnedAt, long silentMs,
                              Reason reason) implements Silence {

    /** Why the silence ended. */
    public enum Reason {
        /** The entity sent a record again. */
        RETURNED,
        /** The entity sent nothing for {@code vigil.context.entity.ttl.ms} and its state was dropped. */
        EXPIRED;

        @JsonValue
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Suffix of {@link #id()} after the alert's id. */
    public static final String ID_SUFFIX = ":resolved";

    /** {@code <alert id>:resolved}: one per silence, never equal to an alert's id. */
    @JsonProperty("id")
    public String id() {
        return alertId + ID_SUFFIX;
    }


    @JsonProperty("status")
    public String status() {
        return "resolved";
    }
}
