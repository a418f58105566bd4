package dev.vigil.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.ingest.SpecInference.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecInferenceTest {

    private static final long T0 = 1_735_689_600_000L; // 2025-01-01T00:00:00Z

    @TempDir
    Path dir;

    private Path file(String name, int rows, IntFunction<String> row) throws IOException {
        return file(name, null, rows, row);
    }

    private Path file(String name, String header, int rows, IntFunction<String> row) throws IOException {
        String body = IntStream.range(0, rows).mapToObj(row).collect(Collectors.joining("\n", header == null ? "" : header + "\n", "\n"));
        return Files.writeString(dir.resolve(name), body);
    }

    private static SpecInference.Result infer(Path file, String... exclude) throws IOException {
        SpecInference.Result result = SpecInference.inferFile(file, 10_000, List.of(exclude));
        if (result.spec() != null) {
            assertThat(FeatureSpec.parse(result.spec().toJson())).as("the written spec parses back").isEqualTo(result.spec());
        }
        return result;
    }

    /** 1000 JSON records of 4 hosts, 3 regions, a canary flag, a cpu with 3 missing and a latency. */
    private Path metrics() throws IOException {
        return file("metrics.jsonl", 1000, i -> "{\"ts\":" + (T0 + 1000L * i) + ",\"host\":\"h" + (i % 4) + "\""
                + ",\"region\":\"" + List.of("us", "eu", "ap").get(i % 3) + "\",\"canary\":" + (i % 10 == 0)
                + (i % 300 == 7 ? "" : ",\"cpu\":" + (i % 17) * 1.5)
                + ",\"latency_ms\":" + (i % 5 == 0 ? "null" : String.valueOf(10 + i % 23)) + "}");
    }

    @Test
    void shouldInferTypesOptionalityAndSortedCategoriesFromJsonLines() throws IOException {
        FeatureSpec spec = infer(metrics()).spec();
        assertThat(spec.names()).containsExactly("region", "canary", "cpu", "latency_ms");
        assertThat(spec.feature(0)).isEqualTo(FeatureSpec.Feature.categorical("region", List.of("ap", "eu", "us")));
        assertThat(spec.feature(1).type()).isEqualTo(FeatureType.BOOLEAN);
        assertThat(spec.feature(1).optional()).isFalse();
        assertThat(spec.feature(2)).isEqualTo(FeatureSpec.Feature.numeric("cpu").asOptional());
        assertThat(spec.feature(3)).isEqualTo(FeatureSpec.Feature.numeric("latency_ms").asOptional());
    }

    @Test
    void shouldSayWhyAFieldIsOptional() throws IOException {
        assertThat(infer(metrics()).decision("cpu").why()).endsWith("4 of 1,000 missing -> optional");
    }

    @Test
    void shouldProposeTheEntityKeyWithTheMostDistinctValuesAndTheEpochMillisTimestamp() throws IOException {
        SpecInference.Result result = infer(metrics());
        assertThat(result.spec().entityKey()).isEqualTo("host");
        assertThat(result.spec().timestamp()).isEqualTo("ts");
        assertThat(result.decision("host").role()).isEqualTo(Role.ENTITY_KEY);
        assertThat(result.decision("ts").why()).startsWith("epoch milliseconds");
    }

    @Test
    void shouldBreakAnEntityTieByNameAndPreferATimeNamedClock() throws IOException {
        Path f = file("tie.jsonl", 1000, i -> "{\"created\":\"" + java.time.Instant.ofEpochMilli(T0 + 7L * i)
                + "\",\"time\":" + (T0 + 1000L * i) + ",\"zone\":\"z" + (i % 5) + "\",\"device\":\"d" + (i * 7 % 5) + "\",\"x\":" + i % 9 + "}");
        SpecInference.Result result = infer(f);
        assertThat(result.spec().entityKey()).isEqualTo("device");
        assertThat(result.spec().timestamp()).isEqualTo("time");
        assertThat(result.decision("created").role()).isEqualTo(Role.LEFT_OUT);
        assertThat(result.decision("created").why()).startsWith("ISO-8601 instants: a second clock");
        assertThat(result.decision("zone").feature().categories()).containsExactly("z0", "z1", "z2", "z3", "z4");
    }

    @Test
    void shouldProposeAnIsoTimestamp() throws IOException {
        SpecInference.Result iso = infer(file("iso.jsonl", 200, i -> "{\"at\":\"" + java.time.Instant.ofEpochMilli(T0 + 1000L * i)
                + "\",\"x\":" + i % 7 + "}"));
        assertThat(iso.spec().timestamp()).isEqualTo("at");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"epoch seconds, 1, 1000", "epoch microseconds, 1000, 1", "epoch nanoseconds, 1000000, 1"})
    void shouldProposeATimestampOfEpochSecondsMicrosOrNanosAsTheParserReadsIt(String kind, long times, long per)
            throws IOException, InvalidRecordException {
        Path f = file("clock.jsonl", 200, i -> "{\"ts\":" + (T0 + 1000L * i) * times / per + ",\"x\":" + i % 7 + "}");
        SpecInference.Result result = infer(f);
        assertThat(result.spec().timestamp()).isEqualTo("ts");
        assertThat(result.decision("ts").why()).isEqualTo(kind + ", in every record");
        String line = Files.readAllLines(f).get(3);
        assertThat(new RecordParser(result.spec(), 1 << 20, false).parse(null, line.getBytes(StandardCharsets.UTF_8), -1).eventTime())
                .isEqualTo(T0 + 3000);
    }

    @Test
    void shouldProposeEpochNanosInACsvColumnThoughADoubleCannotHoldThem() throws IOException {
        Path f = file("nanos.csv", "ts,x", 200, i -> (T0 + 1000L * i) * 1_000_000 + 7 + "," + i % 7);
        assertThat(infer(f).spec().timestamp()).isEqualTo("ts");
    }

    @Test
    void shouldKeepIntegersOfTheEpochSecondsSpanAsFeaturesUnlessTheFieldIsNamedLikeAClock() throws IOException {
        // 0.9 to 4.1 billion: bytes as often as seconds. Only a clock's name makes them a timestamp.
        Path f = file("mem.jsonl", 200, i -> "{\"fields\":{\"used\":" + (3_000_000_000L + 4096L * (i * 37 % 101))
                + ",\"free\":" + (1_000_000_000L + 4096L * (i * 53 % 89)) + "},\"timestamp\":" + (T0 / 1000 + 10L * i) + "}");
        SpecInference.Result result = infer(f);
        assertThat(result.spec().timestamp()).isEqualTo("timestamp");
        assertThat(result.spec().names()).containsExactly("used", "free");
        assertThat(result.decision("timestamp").why()).isEqualTo("epoch seconds, in every record");

        Path counters = file("counters.jsonl", 200, i -> "{\"bytes\":" + (T0 / 1000 + 10L * i) + ",\"x\":" + i % 7 + "}");
        assertThat(infer(counters).spec().timestamp()).isNull();
    }

    @Test
    void shouldReadTheEventTimeOfATelegrafRecordInDefaultEpochSecondsFromTheInferredSpec()
            throws IOException, InvalidRecordException {
        // Telegraf's JSON output as it writes it (keys sorted, json_timestamp_units = "1s" by default).
        String first = "{\"fields\":{\"usage_idle\":97.1,\"usage_user\":1.2},\"name\":\"cpu\","
                + "\"tags\":{\"cpu\":\"cpu-total\",\"host\":\"h1\"},\"timestamp\":1700000000}";
        Path f = file("telegraf-seconds.jsonl", 500, i -> i == 0 ? first
                : "{\"fields\":{\"usage_idle\":" + (90 + i % 9) + ".5,\"usage_user\":" + (i % 7) + ".25},\"name\":\"cpu\","
                        + "\"tags\":{\"cpu\":\"cpu-total\",\"host\":\"h" + (i + 1) % 5 + "\"},\"timestamp\":" + (1700000000L + 10L * i) + "}");
        FeatureSpec spec = infer(f).spec();
        assertThat(spec.timestamp()).isEqualTo("timestamp");
        assertThat(spec.entityKey()).isEqualTo("/tags/host");

        ParsedRecord parsed = new RecordParser(spec, 1 << 20, false).parse(null, first.getBytes(StandardCharsets.UTF_8), -1);
        assertThat(parsed.eventTime()).isEqualTo(1700000000000L);
        assertThat(parsed.entity()).isEqualTo("h1");
        assertThat(parsed.features()).containsExactly(97.1, 1.2);
    }

    @Test
    void shouldNotTakeATimestampMissingInSomeRecords() throws IOException {
        SpecInference.Result result = infer(file("gaps.jsonl", 200, i -> "{" + (i == 5 ? "" : "\"ts\":" + (T0 + i) + ",") + "\"x\":" + i % 7 + "}"));
        assertThat(result.spec().timestamp()).isNull();
        assertThat(result.decision("ts").why()).contains("missing in 1 of 200 records");
    }

    @Test
    void shouldLeaveOutWhatCannotBeModelledAndSayWhy() throws IOException {
        Path f = file("mixed.jsonl", 2000, i -> "{\"request_id\":\"r-" + i + "\",\"seq\":" + (1000 + i)
                + ",\"message\":\"m" + (i % 400) + "\",\"version\":\"1.2\",\"flag\":" + (i == 3)
                + ",\"rare\":" + (i == 3 ? 1 : 0) + ",\"meta\":{\"a\":1},\"tags\":[1],\"odd\":" + (i % 2 == 0 ? "1" : "\"one\"")
                + ",\"label\":" + i % 2 + ",\"bytes\":" + (long) i * i * 7919 + ",\"x\":" + i % 13 + "}");
        SpecInference.Result result = infer(f, "label");
        assertThat(result.spec().names()).containsExactly("bytes", "x");
        assertThat(result.decisions()).filteredOn(d -> d.role() == Role.LEFT_OUT)
                .extracting(d -> d.field() + ": " + d.why().replaceAll(" \\(.*", ""))
                .containsExactly(
                        "request_id: id-like: 2,000 distinct of 2,000",
                        "seq: id-like: 2,000 distinct integers of 2,000, consecutive",
                        "message: free text: 400 distinct of 2,000",
                        "version: constant: '1.2' in every record",
                        "flag: near-constant: false in 1,999 of 2,000",
                        "rare: near-constant: 0 in 1,999 of 2,000",
                        "meta: object: its fields are inferred one by one",
                        "/meta/a: constant: 1 in every record",
                        "tags: array in 2,000 records: not a feature",
                        "odd: mixed types: 1,000 numbers, 1,000 strings, 0 booleans",
                        "label: --exclude");
    }

    @Test
    void shouldInferTheFieldsOfNestedObjectsAsPathsTelegrafStyle() throws IOException {
        // Telegraf's JSON output: {"name":"cpu","tags":{"host":"h1"},"fields":{...},"timestamp":...}, in milliseconds here.
        Path f = file("telegraf.jsonl", 1000, i -> "{\"name\":\"cpu\",\"tags\":{\"host\":\"h" + i % 5 + "\",\"cpu\":\"cpu-total\"},"
                + "\"fields\":{\"usage_idle\":" + (90 + i % 9) + ".5,\"usage_user\":" + (i % 7) + ".25,\"name\":" + i % 3 + ".5},"
                + "\"timestamp\":" + (T0 + 10_000L * i) + "}");
        SpecInference.Result result = infer(f);
        FeatureSpec spec = result.spec();
        assertThat(spec.entityKey()).isEqualTo("/tags/host");
        assertThat(spec.timestamp()).isEqualTo("timestamp");
        assertThat(spec.features()).containsExactly(
                FeatureSpec.Feature.numeric("usage_idle").withPath("/fields/usage_idle"),
                FeatureSpec.Feature.numeric("usage_user").withPath("/fields/usage_user"),
                // "name" is also a top-level field (constant, left out): the nested one is named by its full path.
                FeatureSpec.Feature.numeric("fields.name").withPath("/fields/name"));
        assertThat(result.decision("name").why()).startsWith("constant");
        assertThat(result.decision("/tags/cpu").why()).startsWith("constant");
        assertThat(FeatureSpec.parse(spec.toJson())).isEqualTo(spec);
        TabularFile.Table table = TabularFile.read(f, spec, null);
        assertThat(table.entities()[7]).isEqualTo("h2");
        assertThat(table.rows()[7]).containsExactly(97.5, 0.25, 1.5);
    }

    @Test
    void shouldReadCsvWithHeaderCellsTrueFalseAsBooleanAndEmptyCellsAsMissing() throws IOException {
        Path f = file("with-header.csv", "host,up,kind,load", 400, i -> "h" + i % 8 + "," + (i % 3 == 0) + ","
                + (i % 2 == 0 ? "read" : "write") + "," + (i == 9 ? "" : String.valueOf(i % 11 * 0.5)));
        FeatureSpec spec = infer(f).spec();
        assertThat(spec.entityKey()).isEqualTo("host");
        assertThat(spec.features()).containsExactly(
                new FeatureSpec.Feature("up", FeatureType.BOOLEAN, false, null),
                FeatureSpec.Feature.categorical("kind", List.of("read", "write")),
                FeatureSpec.Feature.numeric("load").asOptional());
        // The proposal reads back as TabularFile reads a file for `vigil train`.
        assertThat(TabularFile.read(f, spec, null).size()).isEqualTo(400);
    }

    @Test
    void shouldNameHeaderlessColumnsByPositionAndKeepEveryColumnSoTheFileStillReads() throws IOException {
        Path f = file("headerless.csv", 300, i -> i % 7 + ",0," + (i * 0.25));
        SpecInference.Result result = infer(f);
        assertThat(result.spec().names()).containsExactly("f0", "f1", "f2");
        assertThat(result.decision("f1").why()).startsWith("constant: 0 in every record; kept:");
        assertThat(TabularFile.read(f, result.spec(), null).size()).isEqualTo(300);

        SpecInference.Result excluded = infer(f, "f2");
        assertThat(excluded.spec().names()).containsExactly("f0", "f1");
    }

    @Test
    void shouldLeaveOutAConstantColumnOfAFileWithAHeader() throws IOException {
        Path f = file("constant.csv", "a,b,c", 300, i -> i % 7 + ",0," + (i * 0.25));
        assertThat(infer(f).spec().names()).containsExactly("a", "c");
    }

    @Test
    void shouldSampleOnlyTheFirstRecords() throws IOException {
        // Row 100 on would make x mixed; a sample of 100 never sees it.
        Path f = file("late.jsonl", 200, i -> "{\"x\":" + (i < 100 ? String.valueOf(i % 9) : "\"late\"") + "}");
        SpecInference.Result result = SpecInference.inferFile(f, 100, Set.of());
        assertThat(result.records()).isEqualTo(100);
        assertThat(result.spec().names()).containsExactly("x");
    }

    @Test
    void shouldNameTheLineThatIsNotJson() throws IOException {
        Path f = Files.writeString(dir.resolve("bad.jsonl"), "{\"x\":1}\n{\"x\":\n");
        assertThatThrownBy(() -> SpecInference.inferFile(f, 10, Set.of()))
                .isInstanceOf(TabularFile.MalformedFileException.class).hasMessageStartingWith(f + ":2: not valid JSON");
    }
}
