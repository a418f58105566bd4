package dev.vigil.score;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;
import java.util.List;

/**
 * One record of the alerts topic: the first anomaly of an incident (see {@code schemas/alert.schema.json}).
 * Both ids are derived from the source offset, so a replay after a crash repeats them.
 *
 * @param record the original input value, as JSON
 */
public record Alert(
        String alertId,
        String incidentId,
        String entity,
        long eventTime,
        long detectionTime,
        double score,
        double threshold,
        double pValue,
        String severity,
        long modelVersion,
        long calibrationVersion,
        List<Contribution> topFeatures,
        SourceId source,
        @JsonRawValue String record) {

    /**
     * The id to drop repeats by, as on the scores topic: the alert id, {@code topic:partition:offset} of the
     * record that raised it. An at-least-once replay repeats it; {@link IncidentResolved#id()} never equals it.
     */
    @JsonProperty("id")
    public String id() {
        return alertId;
    }

    /** An alert opens an incident; {@link IncidentResolved} ({@code resolved}) closes it on the same topic. */
    @JsonProperty("status")
    public String status() {
        return "open";
    }

    /** The same alert as part of an incident opened by {@code incidentId}. */
    public Alert inIncident(String incidentId) {
        return new Alert(alertId, incidentId, entity, eventTime, detectionTime, score, threshold, pValue, severity,
                modelVersion, calibrationVersion, topFeatures, source, record);
    }
}
