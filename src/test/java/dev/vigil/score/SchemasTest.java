package dev.vigil.score;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
                List.of(new Contribution("cpu", 9.0, 1.0, 0.7, 1e-6)), new SourceId("in", 0, 1), "{\"cpu\":9}");
        JsonNode written = JSON.readTree(Json.bytes(alert));
        JsonNode cut = JSON.readTree(Json.bytes(alert.withRecordTruncated(4)));
        JsonNode schema = schema("alert.schema.json");
        List<String> both = new ArrayList<>(names(written));
        names(cut).stream().filter(n -> !both.contains(n)).forEach(both::add);
        assertThat(names(schema.get("properties"))).containsExactlyInAnyOrderElementsOf(both);
        assertThat(names(schema.at("/properties/record_truncated/properties")))
                .containsExactlyInAnyOrderElementsOf(names(cut.get("record_truncated")));
        assertThat(names(schema.at("/properties/top_features/items/properties")))
                .containsExactlyInAnyOrderElementsOf(names(written.get("top_features").get(0)));
        assertThat(names(schema.at("/properties/source/properties"))).containsExactlyInAnyOrderElementsOf(names(written.get("source")));
        assertThat(schema.at("/properties/severity/enum").toString()).contains("\"" + alert.severity().label() + "\"");
        assertThat(written.get("status").asText()).isEqualTo(schema.at("/properties/status/const").asText());
    }

    @Test
    void shouldDescribeEveryFieldOfTheRecordThatResolvesAnIncident() throws IOException {
        IncidentResolved resolved = new IncidentResolved("in:0:1", "e", 5, 9, 3, 61.5, 10);
        JsonNode written = JSON.readTree(Json.bytes(resolved));
        JsonNode schema = schema("incident-resolved.schema.json");
        assertThat(names(schema.get("properties"))).containsExactlyInAnyOrderElementsOf(names(written));
        schema.get("required").forEach(r -> assertThat(written.has(r.asText())).as(r.asText()).isTrue());
        assertThat(written.get("status").asText()).isEqualTo(schema.at("/properties/status/const").asText());
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
