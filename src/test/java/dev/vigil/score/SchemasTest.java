package dev.vigil.score;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.context.Silence;
import dev.vigil.context.SilenceAlert;
import dev.vigil.context.SilenceResolved;
import dev.vigil.ingest.DeadLetters;
import dev.vigil.ingest.ErrorClass;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The schemas in schemas/ describe what Vigil really writes: a field added or renamed in code fails here. */
class SchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode schema(String name) throws IOException {
        return JSON.readTree(Path.of("schemas", name).toFile());
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void shouldDescribeEveryFieldOfAScoreRecord() throws IOException {
        ScoreRecord full = new ScoreRecord("in:0:1", "in", 0, 1, "e", 5, "anomaly", 1.0, 0.1, dev.vigil.calibration.Severity.LOW, 0.5, 1L, 1L);
        JsonNode written = JSON.readTree(full.toJson());
        JsonNode schema = schema("score.schema.json");
        assertThat(names(schema.get("properties"))).containsExactlyInAnyOrderElementsOf(names(written));
        schema.get("required").forEach(r -> assertThat(written.has(r.asText())).as(r.asText()).isTrue());
    }

    @Test
    void shouldDescribeEveryFieldOfAnAlert() throws IOException {
        Alert alert = new Alert("in:0:1", "in:0:1", "e", 5, 6, 50, 40, 1e-5, dev.vigil.calibration.Severity.MEDIUM, 2, 3,
                List.of(new Contribution("cpu", 9.0, 1.0, 0.7, 1e-6),
                        new Contribution("record~unchanged", 2.3, 0.0, 0.2, 1e-4, "same values for 10 records in a row")),
                new SourceId("in", 0, 1), "{\"cpu\":9}");
        JsonNode written = JSON.readTree(Json.bytes(alert));
        JsonNode cut = JSON.readTree(Json.bytes(alert.withRecordTruncated(4)));
        JsonNode schema = schema("alert.schema.json");
        List<String> both = new ArrayList<>(names(written));
        names(cut).stream().filter(n -> !both.contains(n)).forEach(both::add);
        assertThat(names(schema.get("properties"))).containsExactlyInAnyOrderElementsOf(both);
        assertThat(names(schema.at("/properties/record_truncated/properties")))
                .containsExactlyInAnyOrderElementsOf(names(cut.get("record_truncated")));
        assertThat(names(schema.at("/properties/top_features/items/properties")))
                .containsExactlyInAnyOrderElementsOf(names(written.get("top_features").get(1)));
        assertThat(written.get("top_features").get(0).has("words")).as("words only for a context feature").isFalse();
        assertThat(names(schema.at("/properties/source/properties"))).containsExactlyInAnyOrderElementsOf(names(written.get("source")));
        assertThat(schema.at("/properties/severity/enum").toString()).contains("\"" + alert.severity().label() + "\"");
        assertThat(written.get("status").asText()).isEqualTo(schema.at("/properties/status/const").asText());
        assertThat(written.get("kind").asText()).isEqualTo(schema.at("/properties/kind/const").asText());
    }

    @Test
    void shouldDescribeEveryFieldOfTheRecordThatResolvesAnIncident() throws IOException {
        IncidentResolved resolved = new IncidentResolved("in:0:1", "e", 5, 9, 3, 61.5, 10);
        assertDescribesEveryField(Json.bytes(resolved), "incident-resolved.schema.json");
        assertThat(JSON.readTree(Json.bytes(resolved)).get("kind").asText()).isEqualTo("anomaly");
    }

    @Test
    void shouldDescribeEveryFieldOfASilenceAlert() throws IOException {
        SilenceAlert alert = new SilenceAlert(Silence.alertId("e", "in:0:1"), "e", 5, 1_000, 6_000);
        assertDescribesEveryField(Json.bytes(alert), "silence-alert.schema.json");
        assertThat(alert.id()).isEqualTo("silent:e:in:0:1");
    }

    @Test
    void shouldDescribeEveryFieldOfTheRecordsThatResolveASilence() throws IOException {
        SilenceResolved returned = new SilenceResolved("silent:e:in:0:1", "e", 5, 9_000L, 8_995, SilenceResolved.Reason.RETURNED);
        SilenceResolved expired = new SilenceResolved("silent::in:0:1", null, 5, null, 7_000, SilenceResolved.Reason.EXPIRED);
        assertDescribesEveryField(Json.bytes(returned), "silence-resolved.schema.json");
        JsonNode schema = schema("silence-resolved.schema.json");
        JsonNode written = JSON.readTree(Json.bytes(expired));
        schema.get("required").forEach(r -> assertThat(written.has(r.asText())).as(r.asText()).isTrue());
        List<String> reasons = new ArrayList<>();
        schema.at("/properties/reason/enum").forEach(n -> reasons.add(n.asText()));
        assertThat(reasons).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(SilenceResolved.Reason.values()).map(SilenceResolved.Reason::label).toList());
        assertThat(written.get("reason").asText()).isEqualTo("expired");
        assertThat(written.get("id").asText()).isEqualTo("silent::in:0:1:resolved");
    }

    /** The schema names exactly the fields written, every required one is written, and the constants match. */
    private static void assertDescribesEveryField(byte[] json, String schemaName) throws IOException {
        JsonNode written = JSON.readTree(json);
        JsonNode schema = schema(schemaName);
        assertThat(names(schema.get("properties"))).containsExactlyInAnyOrderElementsOf(names(written));
        schema.get("required").forEach(r -> assertThat(written.has(r.asText())).as(r.asText()).isTrue());
        for (String constant : List.of("status", "kind")) {
            assertThat(written.get(constant).asText()).isEqualTo(schema.at("/properties/" + constant + "/const").asText());
        }
    }

    @Test
    void shouldDescribeEveryDeadLetterHeaderAndErrorClass() throws IOException {
        JsonNode schema = schema("dead-letter.schema.json");
        assertThat(names(schema.get("properties"))).containsExactlyInAnyOrder(DeadLetters.ERROR_CLASS, DeadLetters.ERROR_REASON,
                DeadLetters.SOURCE_TOPIC, DeadLetters.SOURCE_PARTITION, DeadLetters.SOURCE_OFFSET, DeadLetters.SOURCE_TIMESTAMP,
                DeadLetters.TRUNCATED, DeadLetters.ORIGINAL_VALUE_BYTES, DeadLetters.ORIGINAL_VALUE_SHA256,
                DeadLetters.ORIGINAL_KEY_BYTES, DeadLetters.ORIGINAL_KEY_SHA256, DeadLetters.ORIGINAL_HEADERS_COUNT);
        List<String> classes = new ArrayList<>();
        schema.at("/properties/" + DeadLetters.ERROR_CLASS.replace("/", "~1") + "/enum").forEach(n -> classes.add(n.asText()));
        assertThat(classes).containsExactlyInAnyOrderElementsOf(Arrays.stream(ErrorClass.values()).map(ErrorClass::label).toList());
    }
}
