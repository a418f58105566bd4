package dev.vigil.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.demo.Truth.AnomalyKind;
import dev.vigil.demo.Truth.MalformedKind;
import dev.vigil.demo.TrafficGenerator.Options;
import dev.vigil.demo.TrafficGenerator.Silence;
import dev.vigil.context.ContextTracker;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.ingest.FeatureSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FeatureSpec SPEC = TrafficGenerator.spec();
    private static final int N = 200_000;
    private static final List<GeneratedRecord> DEFAULT_RECORDS = TrafficGenerator.generate(Options.defaults(), N);
    /** Enough for every kind to occur many times; parsing all 200k would only slow the build. */
    private static final List<GeneratedRecord> PARSED_SAMPLE = DEFAULT_RECORDS.subList(0, 50_000);

    @Test
    void shouldGenerateTheSameRecordsForTheSameSeed() {
        Options options = Options.defaults().withSeed(7).withAnomalyRate(0.05).withMalformedRate(0.05).withShiftAt(5_000);

        List<GeneratedRecord> first = TrafficGenerator.generate(options, 10_000);
        List<GeneratedRecord> second = new TrafficGenerator(options).stream().limit(10_000).toList();
        List<GeneratedRecord> otherSeed = TrafficGenerator.generate(options.withSeed(8), 10_000);

        assertThat(second).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    @Test
    void shouldLeaveTheNormalTrafficUnchangedWhenTheRatesChange() {
        List<GeneratedRecord> clean = TrafficGenerator.generate(Options.defaults().withAnomalyRate(0).withMalformedRate(0), 20_000);
        List<GeneratedRecord> noisy = TrafficGenerator.generate(Options.defaults().withAnomalyRate(0.1).withMalformedRate(0.1), 20_000);

        assertThat(clean).allMatch(GeneratedRecord::isNormal);
        long normals = 0;
        for (int i = 0; i < clean.size(); i++) {
            if (noisy.get(i).isNormal()) {
                normals++;
                assertThat(noisy.get(i)).isEqualTo(clean.get(i));
            }
        }
        assertThat(normals).isGreaterThan(15_000);
    }

    @Test
    void shouldInjectAnomaliesAndMalformedRecordsAtTheDefaultRates() {
        assertRates(DEFAULT_RECORDS, Options.defaults());
    }

    @Test
    void shouldFollowConfiguredRates() {
        Options options = Options.defaults().withSeed(3).withAnomalyRate(0.03).withMalformedRate(0.01).withStuckRunLength(4);
        assertRates(TrafficGenerator.generate(options, N), options);
    }

    @Test
    void shouldLabelEveryRecordWithExactlyOneKnownTruthHeader() {
        Set<String> known = new HashSet<>();
        known.add(Truth.NORMAL);
        Arrays.stream(AnomalyKind.values()).map(AnomalyKind::label).forEach(known::add);
        Arrays.stream(MalformedKind.values()).map(MalformedKind::label).forEach(known::add);

        for (GeneratedRecord record : DEFAULT_RECORDS) {
            Header[] headers = record.toProducerRecord("t").headers().toArray();
            assertThat(headers).hasSize(1);
            assertThat(headers[0].key()).isEqualTo(Truth.HEADER);
            assertThat(new String(headers[0].value(), StandardCharsets.UTF_8)).isEqualTo(record.truth()).isIn(known);
        }
        assertThat(DEFAULT_RECORDS.stream().map(GeneratedRecord::truth).collect(Collectors.toSet()))
                .as("every kind occurs in " + N + " records").isEqualTo(known);
    }

    @Test
    void shouldProduceMalformedRecordsThatFailParsingAndWellFormedOnesThatMatchTheSpec() {
        for (GeneratedRecord record : PARSED_SAMPLE) {
            String problem = problem(record.value());
            if (record.isMalformed()) {
                assertThat(problem).as("%s", record).isNotNull();
            } else {
                assertThat(problem).as("%s", record).isNull();
            }
        }
    }

    @Test
    void shouldTieTheRegionToTheHostExceptInCategoryMismatches() {
        Map<String, Set<String>> regionsByHost = new HashMap<>();
        for (GeneratedRecord r : PARSED_SAMPLE) {
            if (r.isNormal()) {
                regionsByHost.computeIfAbsent(r.host(), h -> new HashSet<>()).add(parse(r).get("region").asText());
            }
        }
        assertThat(regionsByHost).hasSize(8).allSatisfy((host, regions) -> assertThat(regions).hasSize(1));
        assertThat(regionsByHost.values().stream().flatMap(Set::stream).distinct()).containsExactlyInAnyOrder("eu", "us", "ap");

        List<GeneratedRecord> mismatches = PARSED_SAMPLE.stream()
                .filter(r -> r.truth().equals(AnomalyKind.CATEGORY_MISMATCH.label())).toList();
        assertThat(mismatches).isNotEmpty().allSatisfy(r ->
                assertThat(regionsByHost.get(r.host())).doesNotContain(parse(r).get("region").asText()));
    }

    @Test
    void shouldRepeatTheExactVectorOfTheHostDuringAStuckRun() {
        Map<String, String> lastVector = new HashMap<>();
        int stuck = 0;
        for (GeneratedRecord r : PARSED_SAMPLE) {
            boolean isStuck = r.truth().equals(AnomalyKind.STUCK_VALUE.label());
            if (!r.isNormal() && !isStuck) {
                continue;
            }
            String vector = withoutTimestamp(r);
            if (isStuck) {
                stuck++;
                assertThat(vector).as("%s", r).isEqualTo(lastVector.get(r.host()));
            } else {
                assertThat(vector).as("normal values do not repeat: %s", r).isNotEqualTo(lastVector.get(r.host()));
            }
            lastVector.put(r.host(), vector);
        }
        assertThat(stuck).isPositive();
    }

    @Test
    void shouldChangeTheNormalTrafficFromTheShiftOn() {
        int half = 10_000;
        Options options = Options.defaults().withSeed(11);
        double[] control = beforeAndAfter(TrafficGenerator.generate(options, 2 * half), half);
        double[] shifted = beforeAndAfter(TrafficGenerator.generate(options.withShiftAt(half), 2 * half), half);

        // [mean before, mean after, standard error of the difference] of log(bytes_out / bytes_in).
        assertThat(Math.abs(control[1] - control[0])).isLessThan(5 * control[2]);
        assertThat(Math.abs(shifted[1] - shifted[0])).isGreaterThan(5 * shifted[2]);
        assertThat(shifted[0]).isCloseTo(control[0], offset(5 * control[2]));
    }

    @Test
    void shouldGiveEveryHostOneTurnInEveryRoundOfEightRecordsInADriftingOrder() {
        for (int round = 0; round < N / 8; round++) {
            Set<String> hosts = DEFAULT_RECORDS.subList(8 * round, 8 * round + 8).stream().map(GeneratedRecord::host)
                    .collect(Collectors.toSet());
            assertThat(hosts).as("round %d", round).hasSize(8);
        }
        Map<String, Long> last = new HashMap<>();
        Map<Long, Long> gaps = new HashMap<>();
        for (GeneratedRecord r : DEFAULT_RECORDS) {
            Long previous = last.put(r.host(), r.index());
            if (previous != null) {
                gaps.merge(r.index() - previous, 1L, Long::sum);
            }
        }
        long total = gaps.values().stream().mapToLong(Long::longValue).sum();
        assertThat(gaps).as("gaps between a host's records").containsOnlyKeys(7L, 8L, 9L);
        // The order is not fixed: about a fifth of the gaps each are 7 and 9 records.
        assertThat(gaps.get(7L)).isGreaterThan(total / 10);
        assertThat(gaps.get(9L)).isGreaterThan(total / 10);
    }

    @Test
    void shouldGiveEveryHostARhythmTheContextRecognizesAndNoSilence() {
        // Event time as the records' ts field says: 8,640 ms a record.
        SilenceReplay.Result replay = SilenceReplay.replay(PARSED_SAMPLE, GeneratedRecord::timestamp, 0.25);

        assertThat(replay.silences()).isEmpty();
        assertThat(replay.records()).isGreaterThan(49_000);
        assertThat(replay.withoutStrictRhythm()).as("records whose host had no rhythm even by a log-gap deviation of 0.25")
                .isZero();
        assertThat(replay.usualGapMillis()).hasSize(8)
                .allSatisfy((host, gap) -> assertThat(gap).as(host).isCloseTo(8 * 8_640.0, withinPercentage(10)));
    }

    @Test
    void shouldLeaveOutOnlyTheSilentHostsRecordsDuringItsSilence() {
        Silence silence = new Silence("host-03", 20_000, 23_000);
        List<GeneratedRecord> plain = DEFAULT_RECORDS.subList(0, 30_000);

        List<GeneratedRecord> silent = new TrafficGenerator(Options.defaults().withSilence(silence)).stream()
                .takeWhile(r -> r.index() < 30_000).toList();

        assertThat(silent).isEqualTo(plain.stream().filter(r -> !silence.covers(r.host(), r.index())).toList());
        assertThat(plain.size() - silent.size()).as("host-03's turns in 3,000 records").isEqualTo(375);
    }

    @Test
    void shouldMakeTheSilentHostAndOnlyItSilentByTheServicesRule() {
        Silence silence = new Silence("host-03", 20_000, 23_000);
        List<GeneratedRecord> records = TrafficGenerator.generate(Options.defaults().withSilence(silence), 30_000);

        SilenceReplay.Result replay = SilenceReplay.replay(records, GeneratedRecord::timestamp, 0.25);

        assertThat(replay.silences()).singleElement().satisfies(s -> {
            assertThat(s.host()).isEqualTo("host-03");
            assertThat(s.lastIndex()).isBetween(silence.from() - 9, silence.from() - 1);
            assertThat(s.backIndex()).isBetween(silence.until(), silence.until() + 8);
            assertThat(s.gapMillis()).as("well over the 5 usual gaps of the rule").isGreaterThan((long) (50 * s.usualGapMillis()));
        });
    }

    @Test
    void shouldGiveTheModelInputWithContextDerivedPerHostInOrderWhenTheSpecHasContext() {
        FeatureSpec withContext = SPEC.withContext(ContextSettings.defaults());
        List<GeneratedRecord> records = TrafficGenerator.generate(Options.defaults().withMalformedRate(0), 2_000);

        double[][] rows = TrafficGenerator.features(withContext, records);

        double[][] plain = TrafficGenerator.features(SPEC, records);
        ContextTracker tracker = new ContextTracker(withContext);
        for (int i = 0; i < rows.length; i++) {
            GeneratedRecord r = records.get(i);
            assertThat(rows[i]).hasSize(withContext.modelInput().size())
                    .containsExactly(tracker.next(r.host(), plain[i], r.timestamp()));
        }
        assertThat(rows[1_999][rows[1_999].length - 1]).as("record~unchanged of a normal record").isZero();
    }

    @Test
    void shouldRefuseASilenceOfAnUnknownHostOrAnEmptyRange() {
        assertThatThrownBy(() -> new Silence("host-99", 0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host-99");
        assertThatThrownBy(() -> new Silence("host-03", 10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(TrafficGenerator.hosts()).hasSize(8).contains("host-03");
    }

    // ---- helpers ----

    /**
     * Anomaly counts are a binomial part (single-record kinds, 3/4 of the rate) plus stuck runs of L
     * records starting with probability rate/(4L): variance about n*p*(1-p) + n*rate*L/4. Bounds are
     * five standard deviations.
     */
    private static void assertRates(List<GeneratedRecord> records, Options options) {
        int n = records.size();
        long anomalies = records.stream().filter(GeneratedRecord::isAnomaly).count();
        long malformed = records.stream().filter(GeneratedRecord::isMalformed).count();

        double m = options.malformedRate();
        double single = options.anomalyRate() * 0.75;
        double anomalySd = Math.sqrt(n * single * (1 - single) + n * options.anomalyRate() * options.stuckRunLength() / 4);
        double malformedSd = Math.sqrt(n * m * (1 - m));

        assertThat((double) anomalies).isBetween(n * options.anomalyRate() - 5 * anomalySd, n * options.anomalyRate() + 5 * anomalySd);
        assertThat((double) malformed).isBetween(n * m - 5 * malformedSd, n * m + 5 * malformedSd);
    }

    private static double[] beforeAndAfter(List<GeneratedRecord> records, int split) {
        List<Double> before = new ArrayList<>();
        List<Double> after = new ArrayList<>();
        for (GeneratedRecord r : records) {
            if (r.isNormal()) {
                JsonNode v = parse(r);
                double logRatio = Math.log(v.get("bytes_out").asDouble() / v.get("bytes_in").asDouble());
                (r.index() < split ? before : after).add(logRatio);
            }
        }
        double se = Math.sqrt(variance(before) / before.size() + variance(after) / after.size());
        return new double[] {mean(before), mean(after), se};
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    private static double variance(List<Double> xs) {
        double mean = mean(xs);
        return xs.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (xs.size() - 1);
    }

    private static JsonNode parse(GeneratedRecord r) {
        try {
            return JSON.readTree(r.value());
        } catch (java.io.IOException e) {
            throw new AssertionError(r + " is not JSON", e);
        }
    }

    private static String withoutTimestamp(GeneratedRecord r) {
        ObjectNode node = (ObjectNode) parse(r);
        node.remove("ts");
        return node.toString();
    }

    /** Why a value cannot be turned into a feature vector under the spec, or null when it can. */
    private static String problem(byte[] value) {
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (java.io.IOException e) {
            return "not JSON";
        }
        if (root == null || !root.isObject()) {
            return "not an object";
        }
        if (!root.path(SPEC.entityKey()).isTextual() || !root.path(SPEC.timestamp()).isIntegralNumber()) {
            return "no host or ts";
        }
        for (FeatureSpec.Feature f : SPEC.features()) {
            JsonNode v = root.get(f.name());
            if (v == null) {
                return "missing " + f.name();
            }
            boolean ok = switch (f.type()) {
                case NUMERIC -> v.isNumber() && Double.isFinite(v.asDouble());
                case CATEGORICAL -> v.isTextual() && f.categories().contains(v.asText());
                case BOOLEAN -> v.isBoolean();
            };
            if (!ok) {
                return "bad " + f.name() + ": " + v;
            }
        }
        return null;
    }
}
