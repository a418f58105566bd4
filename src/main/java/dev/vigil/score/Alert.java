package dev.vigil.score;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.vigil.calibration.Severity;
import dev.vigil.kafka.RecordSize;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One record of the alerts topic: the first anomaly of an incident (see {@code schemas/alert.schema.json}).
 * Both ids are derived from the source offset, so a replay after a crash repeats them.
 *
 * @param record          the original input value, as JSON; null when it was cut to fit the producer's limit
 * @param recordTruncated what stands for {@code record} when it was cut, else null
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
        Severity severity,
        long modelVersion,
        long calibrationVersion,
        List<Contribution> topFeatures,
        SourceId source,
        @JsonRawValue String record,
        TruncatedRecord recordTruncated) implements ScoringOutput {

    /** The {@code kind} of anomaly alerts and of the records that resolve their incidents. */
    public static final String KIND = "anomaly";

    /** An alert that embeds the whole input value. */
    public Alert(String alertId, String incidentId, String entity, long eventTime, long detectionTime, double score,
                 double threshold, double pValue, Severity severity, long modelVersion, long calibrationVersion,
                 List<Contribution> topFeatures, SourceId source, String record) {
        this(alertId, incidentId, entity, eventTime, detectionTime, score, threshold, pValue, severity, modelVersion,
                calibrationVersion, topFeatures, source, record, null);
    }

    /** The input value's size, SHA-256 (of its UTF-8 bytes) and first characters, in place of the value. */
    public record TruncatedRecord(long bytes, String sha256, String prefix) {
    }

    /**
     * The id to drop repeats by, as on the scores topic: the alert id, {@code topic:partition:offset} of the
     * record that raised it. An at-least-once replay repeats it; {@link IncidentResolved#id()} never equals it.
     */
    @JsonProperty("id")
    public String id() {
        return alertId;
    }

    /** Tells an anomaly apart from a silent entity ({@code dev.vigil.context}) on the same topic. */
    @JsonProperty("kind")
    public String kind() {
        return KIND;
    }

    /** An alert opens an incident; {@link IncidentResolved} ({@code resolved}) closes it on the same topic. */
    @JsonProperty("status")
    public String status() {
        return "open";
    }

    /** The same alert as part of an incident opened by {@code incidentId}. */
    public Alert inIncident(String incidentId) {
        return new Alert(alertId, incidentId, entity, eventTime, detectionTime, score, threshold, pValue, severity,
                modelVersion, calibrationVersion, topFeatures, source, record, recordTruncated);
    }

    /** The same alert with the embedded input value replaced by its size, SHA-256 and first {@code prefixChars} characters. */
    public Alert withRecordTruncated(int prefixChars) {
        if (record == null) {
            return this;
        }
        byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
        TruncatedRecord truncated = new TruncatedRecord(bytes.length, RecordSize.sha256(bytes),
                record.substring(0, Math.min(record.length(), prefixChars)));
        return new Alert(alertId, incidentId, entity, eventTime, detectionTime, score, threshold, pValue, severity,
                modelVersion, calibrationVersion, topFeatures, source, null, truncated);
    }
}
