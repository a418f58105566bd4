package dev.vigil.ingest;

import dev.vigil.ingest.FeatureSpec.Feature;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What reading values through JSON Pointers costs: the parse stage (bytes to {@link ParsedRecord})
 * on the same values laid out flat and in Telegraf's nested JSON shape
 * ({@code {"name":"cpu","tags":{"host":..},"fields":{..10 fields..},"timestamp":..}}), best of a few
 * rounds. A measurement, not a test: run it with
 * {@code mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt} and then
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) dev.vigil.ingest.NestedParseBench}.
 */
public final class NestedParseBench {

    static final String[] FIELDS = {"usage_idle", "usage_user", "usage_system", "usage_iowait", "usage_irq",
        "usage_softirq", "usage_steal", "usage_nice", "usage_guest", "usage_guest_nice"};
    private static final int RECORDS = 200_000;
    private static final int ROUNDS = 7;
    static volatile double blackhole;

    private NestedParseBench() {
    }

    /** Flat: entity key {@code host}, timestamp {@code timestamp}, one top-level field per feature. */
    static FeatureSpec flatSpec() {
        List<Feature> features = new ArrayList<>();
        for (String f : FIELDS) {
            features.add(Feature.numeric(f));
        }
        return new FeatureSpec("host", "timestamp", features);
    }

    /** Nested: entity key {@code /tags/host}, features under {@code /fields}. */
    static FeatureSpec nestedSpec() {
        List<Feature> features = new ArrayList<>();
        for (String f : FIELDS) {
            features.add(Feature.numeric(f).withPath("/fields/" + f));
        }
        return new FeatureSpec("/tags/host", "timestamp", features);
    }

    static byte[][] records(boolean nested, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[][] values = new byte[RECORDS][];
        for (int i = 0; i < RECORDS; i++) {
            StringBuilder fields = new StringBuilder();
            for (int j = 0; j < FIELDS.length; j++) {
                fields.append(j == 0 ? "" : ",").append('"').append(FIELDS[j]).append("\":")
                        .append(String.format(Locale.ROOT, "%.4f", random.nextDouble(0, 100)));
            }
            String host = "host-" + (i % 32);
            long ts = 1700000000000L + i;
            String json = nested
                    ? "{\"name\":\"cpu\",\"tags\":{\"host\":\"" + host + "\",\"cpu\":\"cpu-total\"},\"fields\":{" + fields
                            + "},\"timestamp\":" + ts + "}"
                    : "{\"name\":\"cpu\",\"host\":\"" + host + "\",\"cpu\":\"cpu-total\"," + fields + ",\"timestamp\":" + ts + "}";
            values[i] = json.getBytes(StandardCharsets.UTF_8);
        }
        return values;
    }

    /** Best microseconds per record over {@value #ROUNDS} rounds of {@value #RECORDS} records. */
    static double bestUs(RecordParser parser, byte[][] values) throws InvalidRecordException {
        double best = Double.MAX_VALUE;
        double sink = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long t0 = System.nanoTime();
            for (byte[] value : values) {
                sink += parser.parse(null, value, 0L).features()[0];
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e3 / values.length);
        }
        blackhole = sink;
        return best;
    }

    public static void main(String[] args) throws InvalidRecordException {
        byte[][] flat = records(false, 1);
        byte[][] nested = records(true, 1);
        RecordParser flatParser = new RecordParser(flatSpec(), 1 << 20, false);
        RecordParser nestedParser = new RecordParser(nestedSpec(), 1 << 20, false);
        // Alternate, so neither layout gets all of the JIT's warm-up or all of a noisy neighbour.
        double flatUs = Double.MAX_VALUE;
        double nestedUs = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            flatUs = Math.min(flatUs, bestUs(flatParser, flat));
            nestedUs = Math.min(nestedUs, bestUs(nestedParser, nested));
        }
        System.out.printf(Locale.ROOT, "parse flat   %.3f us/record (%d bytes)%n", flatUs, flat[0].length);
        System.out.printf(Locale.ROOT, "parse nested %.3f us/record (%d bytes)%n", nestedUs, nested[0].length);
    }
}
