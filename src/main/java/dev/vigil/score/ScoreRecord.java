package dev.vigil.score;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One record of the scores topic: the outcome of one input record (see {@code schemas/score.schema.json}).
 * Score fields are null for unscored records.
 */
public record ScoreRecord(
        String id,
        String topic,
        int partition,
        long offset,
        String entity,
        long eventTime,
        String outcome,
        Double score,
        Double pValue,
        dev.vigil.calibration.Severity severity,
        Double threshold,
        Long modelVersion,
        Long calibrationVersion) implements ScoringOutput {

    private static final JsonFactory FACTORY = Json.MAPPER.getFactory();

    /**
     * The JSON of this record, written field by field: the same bytes {@code Json.bytes(this)}
     * gives (a test holds them equal), without data binding, because it runs for every record.
     */
    public byte[] toJson() {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256); JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("topic", topic);
            g.writeNumberField("partition", partition);
            g.writeNumberField("offset", offset);
            if (entity != null) {
                g.writeStringField("entity", entity);
            }
            g.writeNumberField("event_time", eventTime);
            g.writeStringField("outcome", outcome);
            if (score != null) {
                g.writeNumberField("score", score);
            }
            if (pValue != null) {
                g.writeNumberField("p_value", pValue);
            }
            if (severity != null) {
                g.writeStringField("severity", severity.label());
            }
            if (threshold != null) {
                g.writeNumberField("threshold", threshold);
            }
            if (modelVersion != null) {
                g.writeNumberField("model_version", modelVersion);
            }
            if (calibrationVersion != null) {
                g.writeNumberField("calibration_version", calibrationVersion);
            }
            g.writeEndObject();
            g.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
