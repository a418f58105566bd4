package dev.vigil.score;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The record that closes an incident on the alerts topic (see {@code
 * schemas/incident-resolved.schema.json}): the entity's anomalies stopped for longer than the
 * cooldown. It says how many anomalous records the incident folded and how high they scored, so
 * the one page of the incident can be updated rather than repeated.
 *
 * @param incidentId    the alert id of the record that opened the incident
 * @param openedAt      event time of the first anomaly, epoch ms
 * @param lastEventTime event time of the last anomaly, epoch ms
 * @param anomalies     anomalous records folded into the incident, the first included
 * @param peakScore     the highest score among them, -ELBO in nats
 * @param resolvedTime  wall-clock time when Vigil closed it, epoch ms
 */
public record IncidentResolved(String incidentId, String entity, long openedAt, long lastEventTime, long anomalies,
                               double peakScore, long resolvedTime) {

    /** Tells it apart from an opening {@link Alert} on the same topic. */
    @JsonProperty("status")
    public String status() {
        return "resolved";
    }
}
