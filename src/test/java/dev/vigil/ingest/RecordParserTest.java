package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RecordParserTest {

    private final RecordParser parser = new RecordParser(FeatureSpec.numeric(2), 1 << 20, false);
    private final RecordParser timed = new RecordParser(new FeatureSpec(null, "ts", List.of(FeatureSpec.Feature.numeric("x"))),
            1 << 20, false);

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

    private long eventTime(String ts) throws InvalidRecordException {
        return timed.parse(null, bytes("{\"x\":1,\"ts\":" + ts + "}"), -1).eventTime();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "seconds,      1700000000,          1700000000000",
        "milliseconds, 1700000000123,       1700000000123",
        "microseconds, 1700000000123999,    1700000000123",
        "nanoseconds,  1700000000123999999, 1700000000123",
        "'ISO-8601',   '\"2023-11-14T22:13:20.123Z\"', 1700000000123",
    })
    void shouldReadEpochSecondsMillisMicrosAndNanosOfOneInstantAsTheSameEpochMillis(String unit, String ts, long millis)
            throws InvalidRecordException {
        assertThat(eventTime(ts)).as(unit).isEqualTo(millis);
    }

    @Test
    void shouldReadTheEarliestAndLatestInstantsOfEachUnitByMagnitude() throws InvalidRecordException {
        // 10^8 s is 1973-03-03T09:46:40Z; 10^11 s is in the year 5138.
        assertThat(eventTime("100000000")).isEqualTo(100_000_000_000L);
        assertThat(eventTime("99999999999")).isEqualTo(99_999_999_999_000L);
        assertThat(eventTime("100000000000")).isEqualTo(100_000_000_000L);
        assertThat(eventTime("100000000000000")).isEqualTo(100_000_000_000L);
        assertThat(eventTime("100000000000000000")).isEqualTo(100_000_000_000L);
        assertThat(eventTime(String.valueOf(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE / 1_000_000);
    }

    @Test
    void shouldReadMillisecondsBefore1973AsSeconds() throws InvalidRecordException {
        // The documented cost of telling units apart by magnitude: 1970-01-02 in ms is a second count.
        assertThat(eventTime("86400000")).isEqualTo(86_400_000_000L);
    }

    @Test
    void shouldKeepAZeroOrNegativeIntegerTimestampAsEpochMillis() throws InvalidRecordException {
        assertThat(eventTime("0")).isZero();
        assertThat(eventTime("-5000")).isEqualTo(-5000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "1700000000.5,          1700000000500",
        "1700000000.1234,       1700000000123",
        "1700000000.9996,       1700000001000",
        "1.7e9,                 1700000000000",
        "1700000000123.6,       1700000000124",
        "1700000000123456.7,    1700000000123",
    })
    void shouldRoundAFractionalTimestampToTheNearestMillisecond(String ts, long millis) throws InvalidRecordException {
        assertThat(eventTime(ts)).isEqualTo(millis);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"1e300", "99999999999999999999", "-99999999999999999999", "-1700000000.5", "NaN", "Infinity"})
    void shouldRefuseATimestampBeyondEpochMillisOrANonPositiveFractionAsBadTimestamp(String ts) {
        assertThatThrownBy(() -> eventTime(ts))
                .isInstanceOfSatisfying(InvalidRecordException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.BAD_TIMESTAMP))
                .hasMessageStartingWith("timestamp field 'ts' must be epoch seconds, milliseconds, microseconds or nanoseconds,"
                        + " or an ISO-8601 instant, not number");
    }

    @Test
    void shouldRefuseATimestampThatIsNeitherANumberNorAnInstantAsBadTimestamp() {
        assertThatThrownBy(() -> eventTime("\"yesterday\""))
                .isInstanceOfSatisfying(InvalidRecordException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.BAD_TIMESTAMP))
                .hasMessage("timestamp field 'ts' must be epoch seconds, milliseconds, microseconds or nanoseconds,"
                        + " or an ISO-8601 instant, not string \"yesterday\"");
    }
}
