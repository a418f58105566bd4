package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.bench.MetricsGenerator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A flat spec's records are read token by token, and anything unusual is left to the tree. Whatever
 * the path, a record must come out the same: the same features bit for bit, entity and event time,
 * or the same error class and message.
 */
class RecordParserStreamingTest {

    private static final FeatureSpec MIXED = new FeatureSpec("host", "ts", List.of(
            FeatureSpec.Feature.numeric("cpu"),
            FeatureSpec.Feature.numeric("mem").asOptional(),
            FeatureSpec.Feature.categorical("state", List.of("ok", "degraded")),
            new FeatureSpec.Feature("up", FeatureType.BOOLEAN, false, null),
            FeatureSpec.Feature.categorical("zone", List.of("a", "b")).asOptional()));
    /** No entity or timestamp field: the Kafka key and timestamp are used. */
    private static final FeatureSpec KEYED = new FeatureSpec(null, null, List.of(
            FeatureSpec.Feature.numeric("cpu"), FeatureSpec.Feature.numeric("mem").asOptional()));

    private static final String BASE = "{\"host\":\"h-1\",\"ts\":1700000000000,\"cpu\":0.5,\"mem\":12,\"state\":\"ok\",\"up\":true,\"zone\":\"a\"}";

    @Test
    void shouldReadTheBenchRecordsAsTheTreeDoes() throws InvalidRecordException {
        RecordParser parser = new RecordParser(MetricsGenerator.spec(), 1 << 20, false);
        MetricsGenerator generator = new MetricsGenerator(7, 0.01);
        for (int i = 0; i < 2_000; i++) {
            byte[] key = generator.nextHost().getBytes(StandardCharsets.UTF_8);
            byte[] value = generator.nextValue();
            assertThat(parser.parseFlat(key, value, 42L, "in", 0, 7L)).as("read by the streaming path").isNotNull();
            assertSame(parser, key, value);
        }
    }

    @Test
    void shouldAgreeWithTheTreeOnEdgeCases() {
        List<String> values = List.of(
                BASE,
                " \n" + BASE + " \t",
                "{\"cpu\":1,\"state\":\"degraded\",\"up\":false,\"host\":\"h\",\"ts\":1700000000}",
                BASE.replace("0.5", "-0.0"),
                BASE.replace("0.5", "1e308"),
                BASE.replace("0.5", "1e309"),
                BASE.replace("0.5", "NaN"),
                BASE.replace("0.5", "-Infinity"),
                BASE.replace("0.5", "123456789012345678901234567890"),
                BASE.replace("0.5", "9007199254740993"),
                BASE.replace("0.5", "4.9e-324"),
                BASE.replace("0.5", "0.30000000000000004"),
                BASE.replace("0.5", "\"0.5\""),
                BASE.replace("0.5", "null"),
                BASE.replace("0.5", "[1]"),
                BASE.replace("0.5", "{\"v\":1}"),
                BASE.replace("12", "null"),
                BASE.replace(",\"mem\":12", ""),
                BASE.replace(",\"cpu\":0.5", ""),
                BASE.replace("\"ok\"", "\"unknown\""),
                BASE.replace("\"ok\"", "1"),
                BASE.replace("\"a\"", "null"),
                BASE.replace("\"a\"", "\"c\""),
                BASE.replace("true", "1"),
                BASE.replace("true", "\"true\""),
                BASE.replace("\"h-1\"", "17"),
                BASE.replace("\"h-1\"", "null"),
                BASE.replace("\"h-1\"", "\"h\\u00e9\\n\""),
                BASE.replace("\"host\":\"h-1\",", ""),
                BASE.replace("1700000000000", "1700000000"),
                BASE.replace("1700000000000", "1700000000000000000"),
                BASE.replace("1700000000000", "-5"),
                BASE.replace("1700000000000", "1700000000.5"),
                BASE.replace("1700000000000", "\"2023-11-14T22:13:20Z\""),
                BASE.replace("1700000000000", "\"yesterday\""),
                BASE.replace("1700000000000", "123456789012345678901234567890"),
                BASE.replace("\"ts\":1700000000000,", ""),
                BASE.replace("}", ",\"cpu\":0.7}"),
                BASE.replace("}", ",\"host\":\"h-2\"}"),
                BASE.replace("}", ",\"ts\":5}"),
                BASE.replace("}", ",\"other\":1,\"other\":2}"),
                BASE.replace("}", ",\"other\":1,\"more\":\"x\"}"),
                BASE.replace("}", ",\"tags\":{\"a\":1,\"a\":2}}"),
                BASE.replace("}", ",\"tags\":{\"a\":[1,{}]}}"),
                BASE.replace("\"cpu\"", "\"c\\u0070u\""),
                BASE + " 17",
                BASE + "{}",
                BASE.substring(0, BASE.length() - 1),
                "[" + BASE + "]",
                "17",
                "\"text\"",
                "null",
                "{}");
        RecordParser mixed = new RecordParser(MIXED, 1 << 20, false);
        RecordParser mixedUnknownAsMissing = new RecordParser(MIXED, 1 << 20, true);
        RecordParser keyed = new RecordParser(KEYED, 1 << 20, false);
        int streamed = 0;
        for (String value : values) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            streamed += streams(mixed, bytes) ? 1 : 0;
            assertSame(mixed, "key-1".getBytes(StandardCharsets.UTF_8), bytes);
            assertSame(mixedUnknownAsMissing, null, bytes);
            assertSame(keyed, "key-1".getBytes(StandardCharsets.UTF_8), bytes);
            assertSame(keyed, null, bytes);
        }
        // The plain cases above take the streaming path, or the comparison would test the tree twice.
        assertThat(streamed).isGreaterThanOrEqualTo(15);
    }

    @Test
    void shouldAgreeWithTheTreeOnRandomlyDamagedRecords() {
        RecordParser mixed = new RecordParser(MIXED, 1 << 20, false);
        RecordParser keyed = new RecordParser(KEYED, 1 << 20, false);
        Random random = new Random(11);
        String alphabet = "{}[]\",:0123456789.eE-+ ntrulfaskhpcmoyz\\";
        List<String> damaged = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            StringBuilder b = new StringBuilder(BASE);
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int at = random.nextInt(b.length());
                switch (random.nextInt(3)) {
                    case 0 -> b.deleteCharAt(at);
                    case 1 -> b.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> b.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            damaged.add(b.toString());
        }
        int accepted = 0;
        for (String value : damaged) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            accepted += assertSame(mixed, null, bytes) ? 1 : 0;
            assertSame(keyed, null, bytes);
        }
        // The damage must leave both kinds of outcome, or the comparison says little.
        assertThat(accepted).isBetween(100, damaged.size() - 100);
    }

    /** Both paths give the same record or the same error; true when the record was accepted. */
    private static boolean assertSame(RecordParser parser, byte[] key, byte[] value) {
        String text = new String(value, StandardCharsets.UTF_8);
        Object viaParse = outcome(() -> parser.parse(key, value, 42L, "in", 0, 7L));
        Object viaTree = outcome(() -> parser.parseTree(key, value, 42L, "in", 0, 7L));
        assertThat(viaParse).as(text).isEqualTo(viaTree);
        return viaParse instanceof List<?>;
    }

    private static boolean streams(RecordParser parser, byte[] value) {
        try {
            return parser.parseFlat(null, value, 42L, "in", 0, 7L) != null;
        } catch (InvalidRecordException e) {
            return false;
        }
    }

    private interface Parse {
        ParsedRecord run() throws InvalidRecordException;
    }

    /** A comparable form of the outcome: the record's fields (features as raw bits), or the error. */
    private static Object outcome(Parse parse) {
        try {
            ParsedRecord r = parse.run();
            long[] bits = Arrays.stream(r.features()).mapToLong(Double::doubleToRawLongBits).toArray();
            return List.of(String.valueOf(r.entity()), r.eventTime(), Arrays.toString(bits), Arrays.toString(r.value()),
                    r.sourceTopic(), r.sourcePartition(), r.sourceOffset(), r.timestamp());
        } catch (InvalidRecordException e) {
            return e.errorClass() + ": " + e.getMessage();
        }
    }
}
