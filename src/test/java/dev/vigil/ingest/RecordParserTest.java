package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecordParserTest {

    private final RecordParser parser = new RecordParser(FeatureSpec.numeric(2), 1 << 20, false);

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "{\"f0\":1,\"f1\":2}}}garbage",
        "{\"f0\":1,\"f1\":2}{\"f0\":3,\"f1\":4}",
        "{\"f0\":1,\"f1\":2} 17",
        "{\"f0\":1,\"f1\":2}]",
    })
    void shouldRefuseAJsonObjectFollowedByMoreContentAsNotJson(String value) {
        assertThatThrownBy(() -> parser.parse(null, bytes(value), 0))
                .isInstanceOfSatisfying(InvalidRecordException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.NOT_JSON))
                .hasMessageContaining("not JSON");
    }

    @Test
    void shouldRefuseAJsonObjectFollowedByRawBytesAsNotJson() {
        byte[] object = bytes("{\"f0\":1,\"f1\":2}");
        byte[] value = new byte[object.length + 3];
        System.arraycopy(object, 0, value, 0, object.length);
        value[object.length] = (byte) 0xFF;
        value[object.length + 1] = 0;
        value[object.length + 2] = 0x7F;

        assertThatThrownBy(() -> parser.parse(null, value, 0))
                .isInstanceOfSatisfying(InvalidRecordException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.NOT_JSON));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"f0\":1,\"f1\":2}\n", "{\"f0\":1,\"f1\":2}  \r\n\t", " {\"f0\":1,\"f1\":2}"})
    void shouldAcceptWhitespaceAroundTheObject(String value) throws InvalidRecordException {
        assertThat(parser.parse(null, bytes(value), 0).features()).containsExactly(1.0, 2.0);
    }

    @Test
    void shouldCountTheKeyWithTheValueAgainstTheMaximumSize() {
        RecordParser small = new RecordParser(FeatureSpec.numeric(2), 100, false);
        byte[] value = bytes("{\"f0\":1,\"f1\":2}");

        assertThatThrownBy(() -> small.parse(new byte[100 - value.length + 1], value, 0))
                .isInstanceOfSatisfying(InvalidRecordException.class, e -> {
                    assertThat(e.errorClass()).isEqualTo(ErrorClass.TOO_LARGE);
                    assertThat(e.getMessage()).isEqualTo("the key and value have 101 bytes, more than the maximum 100");
                });
    }

    @Test
    void shouldRefuseAnEntityKeyLongerThanTheMaximumAsTooLarge() {
        String entity = "h".repeat(RecordParser.MAX_ENTITY_CHARS + 1);

        assertThatThrownBy(() -> parser.parse(bytes(entity), bytes("{\"f0\":1,\"f1\":2}"), 0))
                .isInstanceOfSatisfying(InvalidRecordException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.TOO_LARGE));
    }
}
