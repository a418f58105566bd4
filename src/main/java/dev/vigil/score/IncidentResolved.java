package dev.vigil.score;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The record that closes an incident on the alerts topic (see {@code
 * schemas/incident-resolved.schema.json}): the entity's anomalies stopped for longer than the
 * cooldown. It says how many anomalous records the incident folded and how high they scored, so
 * the one page of the incident can be updated rather than repeated. Its {@link #id()} is derived from
 * the incident, so a resolution repeated by an at-least-once replay carries the same id (its {@code
 * resolvedTime} may differ); under exactly-once the aborted first emission is never read.
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

    /** Suffix of {@link #id()} after the incident id. */
    public static final String ID_SUFFIX = ":resolved";

    /** The id to drop repeats by: {@code <incident id>:resolved}, one per incident, never equal to an alert's id. */
    @JsonProperty("id")
    public String id() {
        return incidentId + ID_SUFFIX;
    }

    /** An anomaly incident, as its {@link Alert}. */
    @JsonProperty("kind")
    public String kind() {
        return Alert.KIND;
    }

    /** Tells it apart from an opening {@link Alert} on the same topic. */
    @JsonProperty("status")
    public String status() {
        return "resolved";
    }
}
