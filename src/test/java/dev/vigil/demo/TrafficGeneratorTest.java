package dev.vigil.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.demo.Truth.AnomalyKind;
import dev.vigil.demo.Truth.MalformedKind;
import dev.vigil.demo.TrafficGenerator.Options;
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
