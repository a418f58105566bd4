package dev.vigil.context;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The alert for an entity that reported at a rhythm and then sent nothing for longer than
 * {@code vigil.context.silence.gap.factor} times its usual gap (see {@code
 * schemas/silence-alert.schema.json}). One per silence: {@link SilenceResolved} follows when it ends.
 *
 * @param id            {@link Silence#alertId}: derived from the entity and its last record, so a replay repeats it
 * @param lastEventTime event time of the entity's last record, epoch ms
 * @param usualGapMs    the entity's usual gap between records
 * @param silentMs      event time of its partition since its last record, when the silence was seen
 */
public record SilenceAlert(String id, String entity, long lastEventTime, long usualGapMs, long silentMs) implements Silence {

    /** A silence alert opens; {@link SilenceResolved} closes it. */
    @JsonProperty("status")
    public String status() {
        return "open";
    }
}
