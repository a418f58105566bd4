package dev.vigil.bench;

import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.FeatureSpec.Feature;
import dev.vigil.ingest.InvalidRecordException;
import dev.vigil.ingest.RecordParser;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code vigil bench parse}: what the parse stage (bytes to a parsed record, with the service's
 * {@link RecordParser} and ingest settings) costs per record when the values are read through JSON
 * Pointers, against the same values laid out flat. The nested layout is Telegraf's JSON
 * ({@code {"name":"cpu","tags":{"host":..,"cpu":"cpu-total"},"fields":{..10 fields..},"timestamp":..}});
 * the flat one has the same members at the top level. For reference it also times the 38-field records
 * of {@code vigil bench} ({@link MetricsGenerator}), whose parse cost is the full bench's {@code stage_parse_us}.
 * No Kafka; best round of several.
 */
public final class ParseBench {

    /** Telegraf's {@code cpu} input fields: the features of both layouts. */
    static final List<String> FIELDS = List.of("usage_idle", "usage_user", "usage_system", "usage_iowait", "usage_irq",
            "usage_softirq", "usage_steal", "usage_nice", "usage_guest", "usage_guest_nice");
    /** Where results go so the JIT cannot drop the work that made them. */
    static volatile double blackhole;

    /**
     * Microseconds per record, each the fastest of {@code rounds}, and the records' mean size in bytes.
     *
     * @param generatorUs the 38-field records of {@code vigil bench}, flat
     */
    public record Result(int records, int rounds, double flatUs, double nestedUs, double generatorUs,
                         double flatBytes, double nestedBytes, double generatorBytes) {

        /** The nested record's cost as a multiple of the flat one's: what reading through JSON Pointers adds. */
        public double nestedRatio() {
            return nestedUs / flatUs;
        }

        public Map<String, Object> flat() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("records", records);
            m.put("rounds", rounds);
            m.put("parse_flat_us", ThroughputBench.Result.round3(flatUs));
            m.put("parse_nested_us", ThroughputBench.Result.round3(nestedUs));
            m.put("parse_nested_ratio", ThroughputBench.Result.round3(nestedRatio()));
            m.put("parse_generator_us", ThroughputBench.Result.round3(generatorUs));
            m.put("flat_record_bytes", ThroughputBench.Result.round(flatBytes));
            m.put("nested_record_bytes", ThroughputBench.Result.round(nestedBytes));
            m.put("generator_record_bytes", ThroughputBench.Result.round(generatorBytes));
            return m;
        }
    }

    /** One layout's records and the parser of its spec. Keys may be null (the entity is in the value). */
    private record Layout(RecordParser parser, byte[][] keys, byte[][] values) {
        double meanBytes() {
            long total = 0;
            for (byte[] value : values) {
                total += value.length;
            }
            return (double) total / values.length;
        }
    }

    private ParseBench() {
    }

    /** Flat: entity key {@code host}, timestamp {@code timestamp}, one top-level field per feature. */
    static FeatureSpec flatSpec() {
        List<Feature> features = new ArrayList<>();
        for (String f : FIELDS) {
            features.add(Feature.numeric(f));
        }
        return new FeatureSpec("host", "timestamp", features);
    }

    /** Nested: entity key {@code /tags/host}, the same features under {@code /fields}. */
    static FeatureSpec nestedSpec() {
        List<Feature> features = new ArrayList<>();
        for (String f : FIELDS) {
            features.add(Feature.numeric(f).withPath("/fields/" + f));
        }
        return new FeatureSpec("/tags/host", "timestamp", features);
    }

    /** {@code n} records of 32 hosts; the same seed gives the same values in either layout. */
    static byte[][] records(int n, boolean nested, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[][] values = new byte[n][];
        for (int i = 0; i < n; i++) {
            StringBuilder fields = new StringBuilder();
            for (int j = 0; j < FIELDS.size(); j++) {
                // Four decimals, like MetricsGenerator's values: the number's length is part of the parse cost.
                fields.append(j == 0 ? "" : ",").append('"').append(FIELDS.get(j)).append("\":")
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

    /**
     * Parses {@code records} records of each layout {@code rounds} times with the parser {@code ingest}
     * builds, as the service would, and keeps each layout's fastest round (the least disturbed).
     */
    public static Result run(int records, int rounds, long seed, VigilSettings.Ingest ingest, PrintStream status) {
        if (records < 1 || rounds < 1) {
            throw new IllegalArgumentException("need records >= 1 and rounds >= 1, got " + records + " and " + rounds);
        }
        status.printf("bench parse: generating %,d records of each layout ...%n", records);
        Layout flat = new Layout(ingest.parser(flatSpec()), null, records(records, false, seed));
        Layout nested = new Layout(ingest.parser(nestedSpec()), null, records(records, true, seed));
        // As StageProfile feeds the parse stage: the host as the Kafka key too, which counts toward the size limit.
        MetricsGenerator generator = new MetricsGenerator(seed + 4, 0.001);
        byte[][] keys = new byte[records][];
        byte[][] values = new byte[records][];
        for (int i = 0; i < records; i++) {
            keys[i] = generator.nextHost().getBytes(StandardCharsets.UTF_8);
            values[i] = generator.nextValue();
        }
        Layout bench = new Layout(ingest.parser(MetricsGenerator.spec()), keys, values);
        List<Layout> layouts = List.of(flat, nested, bench);

        // Untimed, so that with few rounds the first one is not all interpreter and compiler.
        int warmup = Math.min(records, 20_000);
        for (Layout layout : layouts) {
            parse(layout, warmup);
        }
        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
        status.printf("bench parse: %d rounds ...%n", rounds);
        for (int round = 0; round < rounds; round++) {
            // Each round parses every layout once, in an order that rotates: a noisy neighbour or a GC
            // that lands in one round hits all layouts, and none always follows the same one.
            for (int k = 0; k < layouts.size(); k++) {
                int which = (round + k) % layouts.size();
                Layout layout = layouts.get(which);
                long t0 = System.nanoTime();
                parse(layout, records);
                best[which] = Math.min(best[which], (System.nanoTime() - t0) / 1e3 / records);
            }
        }
        return new Result(records, rounds, best[0], best[1], best[2], flat.meanBytes(), nested.meanBytes(), bench.meanBytes());
    }

    private static void parse(Layout layout, int n) {
        double sink = 0;
        for (int i = 0; i < n; i++) {
            try {
                sink += layout.parser.parse(layout.keys == null ? null : layout.keys[i], layout.values[i], 0L).features()[0];
            } catch (InvalidRecordException e) {
                throw new IllegalStateException("generated record is invalid: " + e.getMessage(), e);
            }
        }
        blackhole = sink;
    }
}
