package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.ingest.FeatureSpec.Feature;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Records whose values sit in nested objects, read through the spec's JSON Pointers. */
class RecordParserPathsTest {

    /** Telegraf's JSON output shape. */
    private static final String TELEGRAF = """
            {"name":"cpu","tags":{"host":"h1","cpu":"cpu-total"},
             "fields":{"usage_idle":97.1,"usage_user":1.2,"up":true},"timestamp":1700000000000}""";

    private static final FeatureSpec NESTED = new FeatureSpec("/tags/host", "timestamp", List.of(
            Feature.numeric("idle").withPath("/fields/usage_idle"),
            Feature.numeric("user").withPath("/fields/usage_user").asOptional(),
            new Feature("up", FeatureType.BOOLEAN, false, null, "/fields/up"),
            Feature.categorical("name", List.of("cpu", "mem"))));

    private final RecordParser parser = new RecordParser(NESTED, 1 << 20, false);

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private InvalidRecordException refused(RecordParser parser, String value) {
        try {
            parser.parse(null, bytes(value), 0);
        } catch (InvalidRecordException e) {
            return e;
        }
        throw new AssertionError("parsed: " + value);
    }

    @Test
    void shouldReadATelegrafRecordsNestedFieldsEntityAndTime() throws InvalidRecordException {
        ParsedRecord parsed = parser.parse(bytes("kafka-key"), bytes(TELEGRAF), 5L);
        assertThat(parsed.features()).containsExactly(97.1, 1.2, 1.0, 0.0);
        assertThat(parsed.entity()).isEqualTo("h1");
        assertThat(parsed.eventTime()).isEqualTo(1700000000000L);
    }

    @Test
    void shouldParseTheSameValuesNestedAsFlat() throws InvalidRecordException {
        FeatureSpec flat = new FeatureSpec("host", "timestamp", List.of(Feature.numeric("idle"), Feature.numeric("user").asOptional(),
                new Feature("up", FeatureType.BOOLEAN, false, null), Feature.categorical("name", List.of("cpu", "mem"))));
        ParsedRecord a = new RecordParser(flat, 1 << 20, false).parse(null, bytes("""
                {"host":"h1","idle":97.1,"user":null,"up":false,"name":"mem","timestamp":"2023-11-14T22:13:20Z"}"""), 0);
        ParsedRecord b = parser.parse(null, bytes("""
                {"tags":{"host":"h1"},"fields":{"usage_idle":97.1,"up":false},"name":"mem","timestamp":"2023-11-14T22:13:20Z"}"""), 0);
        assertThat(b.features()).containsExactly(a.features());
        assertThat(b.entity()).isEqualTo(a.entity());
        assertThat(b.eventTime()).isEqualTo(a.eventTime()).isEqualTo(1700000000000L);
    }

    @Test
    void shouldTreatAMissingNestedObjectAsAMissingValue() throws InvalidRecordException {
        FeatureSpec optional = new FeatureSpec(null, null, List.of(Feature.numeric("user").withPath("/fields/usage_user").asOptional()));
        RecordParser lenient = new RecordParser(optional, 1 << 20, false);
        assertThat(lenient.parse(null, bytes("{\"name\":\"cpu\"}"), 0).features()[0]).isNaN();
        assertThat(lenient.parse(null, bytes("{\"fields\":null}"), 0).features()[0]).isNaN();
        assertThat(lenient.parse(null, bytes("{\"fields\":{}}"), 0).features()[0]).isNaN();

        InvalidRecordException noFields = refused(parser, """
                {"name":"cpu","tags":{"host":"h1"},"timestamp":1}""");
        InvalidRecordException flatMissing = refused(new RecordParser(FeatureSpec.numeric(1), 1 << 20, false), "{}");
        assertThat(noFields.errorClass()).isEqualTo(flatMissing.errorClass()).isEqualTo(ErrorClass.MISSING_FIELD);
        assertThat(noFields).hasMessage("required field 'idle' at '/fields/usage_idle' is missing");

        assertThat(refused(parser, """
                {"name":"cpu","fields":{"usage_idle":1,"up":true},"timestamp":1}"""))
                .hasMessage("entity key field '/tags/host' is missing")
                .extracting(InvalidRecordException::errorClass).isEqualTo(ErrorClass.MISSING_FIELD);
    }

    @Test
    void shouldRefuseAWrongTypeInsideTheNestedObject() {
        InvalidRecordException e = refused(parser, TELEGRAF.replace("97.1", "\"97.1\""));
        assertThat(e.errorClass()).isEqualTo(ErrorClass.WRONG_TYPE);
        assertThat(e).hasMessage("field 'idle' at '/fields/usage_idle' must be a number, not string \"97.1\"");
        assertThat(refused(parser, TELEGRAF.replace("97.1", "NaN")).errorClass()).isEqualTo(ErrorClass.NON_FINITE);
        assertThat(refused(parser, TELEGRAF.replace("\"host\":\"h1\"", "\"host\":{\"id\":1}")).errorClass())
                .isEqualTo(ErrorClass.WRONG_TYPE);
    }

    @Test
    void shouldRefuseAScalarWhereTheNestedObjectShouldBe() {
        InvalidRecordException e = refused(parser, """
                {"name":"cpu","tags":{"host":"h1"},"fields":"97.1","timestamp":1}""");
        assertThat(e.errorClass()).isEqualTo(ErrorClass.WRONG_TYPE);
        assertThat(e).hasMessage("field 'idle' at '/fields/usage_idle': '/fields' must be an object, not string \"97.1\"");
        assertThat(refused(parser, """
                {"name":"cpu","tags":"h1","fields":{"usage_idle":1,"up":true},"timestamp":1}"""))
                .hasMessage("entity key field '/tags/host': '/tags' must be an object, not string \"h1\"");
    }

    @Test
    void shouldReadAnEscapedKeyAndAnArrayElement() throws InvalidRecordException {
        FeatureSpec spec = new FeatureSpec(null, null, List.of(
                Feature.numeric("ratio").withPath("/fields/a~1b~0c"), Feature.numeric("second").withPath("/samples/1")));
        ParsedRecord parsed = new RecordParser(spec, 1 << 20, false).parse(null,
                bytes("{\"fields\":{\"a/b~c\":0.5},\"samples\":[1,2,3]}"), 0);
        assertThat(parsed.features()).containsExactly(0.5, 2.0);
    }
}
