package dev.vigil.demo;

import dev.vigil.context.ContextTracker;
import dev.vigil.demo.Truth.AnomalyKind;
import dev.vigil.demo.Truth.MalformedKind;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.FeatureSpec.Feature;
import dev.vigil.ingest.FeatureType;
import dev.vigil.ingest.ParsedRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Seeded synthetic host metrics: the traffic of {@code vigil demo}, the benchmarks and the tests.
 *
 * <p>Each record is a JSON object for one of eight hosts: {@code host} (the entity key), {@code ts}
 * (event time, epoch ms), eight numeric features, the host's {@code region} and a {@code canary}
 * flag (see {@link #spec()}). The hosts take turns as hosts reporting on a timer do: each round of
 * eight records has every host once, and from one round to the next neighbouring hosts swap places
 * at random, so a host reports every 7 to 9 records, a steady rhythm that a silence breaks (see
 * {@link Silence}). The numbers follow one latent traffic level per record with a daily
 * cycle (shifted by the region's time zone) plus per-host offsets, so they are correlated the way
 * real metrics are: requests, bytes and CPU rise together, load follows CPU, latency depends on the
 * region and grows when CPU runs hot, errors are a small Poisson share of requests.
 *
 * <p>A share of the records is anomalous ({@link AnomalyKind}) or malformed ({@link MalformedKind});
 * every record says which in its {@value Truth#HEADER} header. From record {@link Options#shiftAt()}
 * on, the normal traffic changes (more requests, cheaper CPU per request, slower, bigger responses):
 * a new normal that a retraining model should follow.
 *
 * <p>Deterministic: the same options give the same records. The normal values and the host order
 * are drawn from their own random streams, so changing the anomaly or malformed rate does not change
 * the normal traffic underneath, and a silence only leaves records out. Not thread-safe; it does not pace itself (the caller decides the rate).
 */
public final class TrafficGenerator {

    /** Epoch ms of the first record by default: 2025-01-01T00:00:00Z. */
    public static final long DEFAULT_START_MILLIS = 1_735_689_600_000L;
    public static final long NEVER = Long.MAX_VALUE;

    private static final long DAY_MILLIS = 86_400_000L;

    // Numeric features in spec order.
    private static final int CPU = 0, LOAD = 1, MEM = 2, LATENCY = 3, REQUESTS = 4, ERRORS = 5, BYTES_IN = 6, BYTES_OUT = 7;
    private static final String[] NUMERIC = {"cpu", "load", "mem", "latency_ms", "requests", "errors", "bytes_in", "bytes_out"};
    private static final List<String> REGIONS = List.of("eu", "us", "ap");
    /** Fraction of a day each region's cycle runs behind or ahead (time zones). */
    private static final double[] REGION_PHASE = {0.0, -0.25, 0.33};
    /** Typical latency per region, ms: what a category/value mismatch contradicts. */
    private static final double[] REGION_LATENCY = {25, 55, 120};
    private static final double CANARY_SHARE = 0.1;

    /** Fixed host profiles (not seeded), so a model trained on one seed fits traffic of another. */
    private record Host(String name, int region, double scale, double cpuFactor, int cores, double memBase) {
    }

    private static final Host[] HOSTS = {
            new Host("host-01", 0, 1.0, 0.90, 8, 45),
            new Host("host-02", 0, 0.7, 1.00, 4, 52),
            new Host("host-03", 0, 1.3, 0.80, 8, 40),
            new Host("host-04", 1, 1.2, 0.85, 8, 48),
            new Host("host-05", 1, 0.8, 1.05, 4, 58),
            new Host("host-06", 1, 1.0, 0.95, 8, 44),
            new Host("host-07", 2, 0.9, 1.00, 4, 55),
            new Host("host-08", 2, 1.1, 0.90, 8, 50),
    };

    /** How normal traffic behaves; the regime shift swaps one for another. */
    private record Regime(double requestScale, double cpuPerRequest, double latencyScale, double bytesRatio) {
    }

    private static final Regime BEFORE_SHIFT = new Regime(1.0, 1.0, 1.0, 5.0);
    private static final Regime AFTER_SHIFT = new Regime(1.5, 0.75, 1.25, 8.0);

    private static final List<String> HOST_NAMES = java.util.Arrays.stream(HOSTS).map(Host::name).toList();
    private static final FeatureSpec SPEC = buildSpec();

    /**
     * One host that sends nothing for a stretch of the sequence: its records with an index in
     * {@code [from, until)} are left out, the other hosts keep their turns (and their indices, so
     * their event times), and the host comes back at {@code until}.
     *
     * @param host  the silent host, one of {@link #hosts()}
     * @param from  index of the first record of the stretch
     * @param until index of the first record after it
     */
    public record Silence(String host, long from, long until) {

        public Silence {
            if (!hosts().contains(host)) {
                throw new IllegalArgumentException("no such host: " + host + " (hosts: " + hosts() + ")");
            }
            if (from < 0 || until < from) {
                throw new IllegalArgumentException("a silence needs 0 <= from <= until, got [" + from + ", " + until + ")");
            }
        }

        /** Whether the record of {@code host} at {@code index} is left out. */
        public boolean covers(String host, long index) {
            return index >= from && index < until && this.host.equals(host);
        }
    }

    /**
     * What to generate.
     *
     * @param seed           seed of every random choice
     * @param anomalyRate    expected share of records labelled {@code anomaly:*}
     * @param malformedRate  expected share of records labelled {@code malformed:*}
     * @param shiftAt        index of the first record of the shifted regime; {@link #NEVER} for none
     * @param cycleRecords   records per simulated day (one seasonal cycle)
     * @param stuckRunLength records in one stuck-value run (all from the same host)
     * @param startMillis    event time of record 0
     * @param silence        a host that sends nothing for a stretch, or null for none
     */
    public record Options(long seed, double anomalyRate, double malformedRate, long shiftAt,
                          int cycleRecords, int stuckRunLength, long startMillis, Silence silence) {

        public Options {
            if (!(anomalyRate >= 0 && anomalyRate <= 1) || !(malformedRate >= 0 && malformedRate <= 1)
                    || anomalyRate + malformedRate > 1) {
                throw new IllegalArgumentException("rates must be in [0, 1] and add up to at most 1, got anomaly "
                        + anomalyRate + " and malformed " + malformedRate);
            }
            if (shiftAt < 0) {
                throw new IllegalArgumentException("shiftAt must be >= 0, got " + shiftAt);
            }
            if (cycleRecords < 1 || stuckRunLength < 1) {
                throw new IllegalArgumentException("cycleRecords and stuckRunLength must be >= 1");
            }
        }

        /** Seed 42, 0.5% anomalies, 0.2% malformed, no shift, 10,000 records a day, stuck runs of 10, no silence. */
        public static Options defaults() {
            return new Options(42, 0.005, 0.002, NEVER, 10_000, 10, DEFAULT_START_MILLIS, null);
        }

        public Options withSeed(long seed) {
            return new Options(seed, anomalyRate, malformedRate, shiftAt, cycleRecords, stuckRunLength, startMillis, silence);
        }

        public Options withAnomalyRate(double rate) {
            return new Options(seed, rate, malformedRate, shiftAt, cycleRecords, stuckRunLength, startMillis, silence);
        }

        public Options withMalformedRate(double rate) {
            return new Options(seed, anomalyRate, rate, shiftAt, cycleRecords, stuckRunLength, startMillis, silence);
        }

        public Options withShiftAt(long index) {
            return new Options(seed, anomalyRate, malformedRate, index, cycleRecords, stuckRunLength, startMillis, silence);
        }

        public Options withCycleRecords(int records) {
            return new Options(seed, anomalyRate, malformedRate, shiftAt, records, stuckRunLength, startMillis, silence);
        }

        public Options withStuckRunLength(int records) {
            return new Options(seed, anomalyRate, malformedRate, shiftAt, cycleRecords, records, startMillis, silence);
        }

        public Options withStartMillis(long millis) {
            return new Options(seed, anomalyRate, malformedRate, shiftAt, cycleRecords, stuckRunLength, millis, silence);
        }

        /** The same options with {@code silence} (null: none). */
        public Options withSilence(Silence silence) {
            return new Options(seed, anomalyRate, malformedRate, shiftAt, cycleRecords, stuckRunLength, startMillis, silence);
        }
    }

    /** One record's values before they become JSON: numeric features in spec order, region index, canary. */
    private static final class Sample {
        final double[] numeric = new double[NUMERIC.length];
        int region;
        boolean canary;

        Sample copy() {
            Sample c = new Sample();
            System.arraycopy(numeric, 0, c.numeric, 0, numeric.length);
            c.region = region;
            c.canary = canary;
            return c;
        }
    }

    private final Options options;
    private final long stepMillis;
    private final SplittableRandom values;
    private final SplittableRandom events;
    private final SplittableRandom turns;
    /** Host indices in the order they take their turns in the current round. */
    private final int[] order = new int[HOSTS.length];
    private final Sample[] lastNormal = new Sample[HOSTS.length];
    private final Sample[] stuckVector = new Sample[HOSTS.length];
    private final int[] stuckLeft = new int[HOSTS.length];
    private long index;

    public TrafficGenerator(Options options) {
        this.options = options;
        this.stepMillis = Math.max(1, DAY_MILLIS / options.cycleRecords());
        SplittableRandom root = new SplittableRandom(options.seed());
        this.values = root.split();
        this.events = root.split();
        this.turns = root.split();
        for (int h = 0; h < order.length; h++) {
            int k = turns.nextInt(h + 1); // Fisher-Yates, inside out: the first round's order
            order[h] = order[k];
            order[k] = h;
        }
    }

    /** A generator with {@link Options#defaults()} and the given seed. */
    public static TrafficGenerator withSeed(long seed) {
        return new TrafficGenerator(Options.defaults().withSeed(seed));
    }

    /** The first {@code count} records generated with {@code options}. */
    public static List<GeneratedRecord> generate(Options options, int count) {
        return new TrafficGenerator(options).next(count);
    }

    /**
     * The feature rows of well-formed generated records, parsed against {@code spec} as the
     * service parses them: what training data made from generated traffic looks like. With a
     * context block in {@code spec}, each row is the model's input ({@link FeatureSpec#modelInput()}):
     * its context derived from the records before it of the same host, in the collection's order.
     */
    public static double[][] features(FeatureSpec spec, java.util.Collection<GeneratedRecord> records) {
        dev.vigil.ingest.RecordParser parser = new dev.vigil.ingest.RecordParser(spec, Integer.MAX_VALUE, false);
        ContextTracker context = spec.hasContext() ? new ContextTracker(spec) : null;
        double[][] rows = new double[records.size()][];
        int i = 0;
        for (GeneratedRecord r : records) {
            try {
                ParsedRecord parsed = parser.parse(r.key(), r.value(), r.timestamp());
                rows[i++] = context == null ? parsed.features() : context.next(parsed.entity(), parsed.features(), parsed.eventTime());
            } catch (dev.vigil.ingest.InvalidRecordException e) {
                throw new IllegalArgumentException("not a well-formed generated record: " + r + " (" + e.getMessage() + ")", e);
            }
        }
        return rows;
    }

    /** The names of the eight hosts, {@code host-01} to {@code host-08}. */
    public static List<String> hosts() {
        return HOST_NAMES;
    }

    /**
     * The feature spec the records follow: entity key {@code host}, timestamp {@code ts}, numeric
     * {@code cpu, load, mem, latency_ms, requests, errors, bytes_in, bytes_out}, categorical
     * {@code region} (eu, us, ap) and boolean {@code canary}; all required.
     */
    public static FeatureSpec spec() {
        return SPEC;
    }

    public Options options() {
        return options;
    }

    /** The next record; records a {@link Silence} leaves out are skipped (with their indices). */
    public GeneratedRecord next() {
        while (true) {
            long i = index++;
            int h = turn(i);
            // Generated in full even when left out, so that a silence changes nothing else.
            GeneratedRecord record = generate(i, h);
            if (options.silence() == null || !options.silence().covers(HOSTS[h].name(), i)) {
                return record;
            }
        }
    }

    /**
     * The host whose turn record {@code i} is. Called once per index in order: at the start of
     * every round after the first, the pairs of neighbours (0,1), (2,3), ... or, every other round,
     * (1,2), (3,4), ... swap places with probability 1/2, so a host moves at most one place per round.
     */
    private int turn(long i) {
        int slot = (int) (i % order.length);
        if (slot == 0 && i > 0) {
            for (int k = (int) (i / order.length % 2); k + 1 < order.length; k += 2) {
                if (turns.nextBoolean()) {
                    int swap = order[k];
                    order[k] = order[k + 1];
                    order[k + 1] = swap;
                }
            }
        }
        return order[slot];
    }

    private GeneratedRecord generate(long i, int h) {
        Host host = HOSTS[h];
        Sample sample = normalSample(host, i);
        long ts = options.startMillis() + i * stepMillis;

        double u = events.nextDouble();
        double malformed = options.malformedRate();
        // Single-record kinds share three quarters of the anomaly rate; stuck runs, L records each,
        // start L times less often so that they make up the last quarter.
        double single = options.anomalyRate() * 0.75;
        double stuckStart = options.anomalyRate() * 0.25 / options.stuckRunLength();
        String truth = Truth.NORMAL;
        String json;
        if (u < malformed) {
            MalformedKind kind = MalformedKind.values()[events.nextInt(MalformedKind.values().length)];
            truth = kind.label();
            json = malformed(kind, host, ts, sample);
        } else {
            if (stuckLeft[h] > 0) {
                stuckLeft[h]--;
                sample = stuckVector[h].copy();
                truth = AnomalyKind.STUCK_VALUE.label();
            } else if (u < malformed + single) {
                AnomalyKind kind = AnomalyKind.values()[events.nextInt(3)];
                truth = kind.label();
                inject(kind, host, i, sample);
            } else if (u < malformed + single + stuckStart) {
                // The host freezes at its last normal vector and repeats it for a run of records.
                Sample frozen = lastNormal[h] == null ? sample : lastNormal[h];
                stuckVector[h] = frozen.copy();
                stuckLeft[h] = options.stuckRunLength() - 1;
                sample = frozen.copy();
                truth = AnomalyKind.STUCK_VALUE.label();
            } else {
                lastNormal[h] = sample.copy();
            }
            json = json(host.name(), ts, sample, -1, null);
        }
        return new GeneratedRecord(i, ts, host.name().getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8), truth);
    }

    /** The next {@code count} records. */
    public List<GeneratedRecord> next(int count) {
        List<GeneratedRecord> records = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            records.add(next());
        }
        return records;
    }

    /** An endless stream of the following records; limit it. */
    public Stream<GeneratedRecord> stream() {
        return Stream.generate(this::next);
    }

    // ---- normal traffic ----

    private Sample normalSample(Host host, long i) {
        Regime regime = i >= options.shiftAt() ? AFTER_SHIFT : BEFORE_SHIFT;
        double phase = (double) i / options.cycleRecords() + REGION_PHASE[host.region()];
        double level = Math.max(0.3, 1 + 0.45 * Math.sin(2 * Math.PI * phase) + 0.05 * values.nextGaussian());
        Sample s = new Sample();
        s.region = host.region();
        s.canary = values.nextDouble() < CANARY_SHARE;
        double requests = Math.round(host.scale() * regime.requestScale() * 200 * level * Math.exp(0.08 * values.nextGaussian()));
        double cpu = cpu(host, level, regime, values.nextGaussian());
        s.numeric[REQUESTS] = requests;
        s.numeric[CPU] = cpu;
        s.numeric[LOAD] = load(host, cpu, values.nextGaussian());
        s.numeric[MEM] = round(host.memBase() + 8 * (level - 1) + 1.5 * values.nextGaussian(), 1);
        s.numeric[LATENCY] = round(REGION_LATENCY[host.region()] * regime.latencyScale()
                * (1 + 0.8 * Math.pow(cpu / 100, 3)) * Math.exp(0.12 * values.nextGaussian()), 1);
        double errorShare = (0.002 + (s.canary ? 0.006 : 0)) * (1 + 2 * Math.max(0, cpu - 85) / 15);
        s.numeric[ERRORS] = poisson(requests * errorShare, values);
        double bytesIn = Math.round(requests * 1500 * Math.exp(0.1 * values.nextGaussian()));
        s.numeric[BYTES_IN] = bytesIn;
        s.numeric[BYTES_OUT] = Math.round(bytesIn * regime.bytesRatio() * Math.exp(0.1 * values.nextGaussian()));
        return s;
    }

    private static double cpu(Host host, double level, Regime regime, double gaussian) {
        return round(clamp(8 + 50 * level * host.cpuFactor() * regime.cpuPerRequest() + 2.5 * gaussian, 0, 100), 1);
    }

    private static double load(Host host, double cpu, double gaussian) {
        return round(Math.max(0, cpu / 100 * host.cores() * (1 + 0.05 * gaussian)), 2);
    }

    // ---- anomalies ----

    private void inject(AnomalyKind kind, Host host, long i, Sample s) {
        switch (kind) {
            case SPIKE -> spike(s);
            case BROKEN_CORRELATION -> breakCorrelation(host, i, s);
            case CATEGORY_MISMATCH -> s.region = (s.region + 1 + events.nextInt(REGIONS.size() - 1)) % REGIONS.size();
            default -> throw new IllegalArgumentException("not a single-record anomaly: " + kind);
        }
    }

    private void spike(Sample s) {
        int[] candidates = {LOAD, MEM, LATENCY, REQUESTS, ERRORS, BYTES_IN, BYTES_OUT};
        int f = candidates[events.nextInt(candidates.length)];
        double factor = 4 + 4 * events.nextDouble();
        switch (f) {
            case MEM -> s.numeric[MEM] = round(95 + 4 * events.nextDouble(), 1);
            case ERRORS -> s.numeric[ERRORS] += 30 + events.nextInt(70);
            case LOAD -> s.numeric[LOAD] = round(s.numeric[LOAD] * factor, 2);
            case LATENCY -> s.numeric[LATENCY] = round(s.numeric[LATENCY] * factor, 1);
            default -> s.numeric[f] = Math.round(s.numeric[f] * factor);
        }
    }

    /**
     * Keeps every value plausible on its own but recomputes one side of a relation from the
     * opposite end of the daily range: CPU (with load) against traffic, load against CPU, or
     * response bytes against request bytes.
     */
    private void breakCorrelation(Host host, long i, Sample s) {
        Regime regime = i >= options.shiftAt() ? AFTER_SHIFT : BEFORE_SHIFT;
        double level = s.numeric[REQUESTS] >= host.scale() * regime.requestScale() * 200
                ? 0.5 + 0.1 * events.nextDouble()
                : 1.4 + 0.1 * events.nextDouble();
        switch (events.nextInt(3)) {
            case 0 -> {
                s.numeric[CPU] = cpu(host, level, regime, events.nextGaussian());
                s.numeric[LOAD] = load(host, s.numeric[CPU], events.nextGaussian());
            }
            case 1 -> s.numeric[LOAD] = load(host, cpu(host, level, regime, events.nextGaussian()), events.nextGaussian());
            default -> {
                double otherBytesIn = host.scale() * regime.requestScale() * 200 * level * 1500;
                s.numeric[BYTES_OUT] = Math.round(otherBytesIn * regime.bytesRatio() * Math.exp(0.1 * events.nextGaussian()));
            }
        }
    }

    // ---- malformed records ----

    private String malformed(MalformedKind kind, Host host, long ts, Sample s) {
        String valid = json(host.name(), ts, s, -1, null);
        return switch (kind) {
            case NOT_JSON -> events.nextBoolean()
                    ? valid.substring(0, 1 + events.nextInt(valid.length() - 2)) // a proper prefix of an object never parses
                    : "host=" + host.name() + " cpu=" + s.numeric[CPU] + " region=" + REGIONS.get(s.region);
            case NOT_OBJECT -> {
                StringBuilder array = new StringBuilder("[");
                for (int f = 0; f < NUMERIC.length; f++) {
                    array.append(f == 0 ? "" : ",").append(number(f, s.numeric[f]));
                }
                yield array.append(']').toString();
            }
            case WRONG_TYPE -> {
                int f = events.nextInt(SPEC.size());
                String wrong = switch (SPEC.feature(f).type()) {
                    case NUMERIC -> List.of("\"high\"", "true", "{\"value\":1}", "[1,2]").get(events.nextInt(4));
                    case CATEGORICAL -> String.valueOf(s.region);
                    case BOOLEAN -> "\"yes\"";
                };
                yield json(host.name(), ts, s, f, wrong);
            }
            case MISSING_FIELD -> json(host.name(), ts, s, events.nextInt(SPEC.size()), "");
            case NAN_STRING -> json(host.name(), ts, s, events.nextInt(NUMERIC.length),
                    List.of("\"NaN\"", "\"Infinity\"", "\"-Infinity\"").get(events.nextInt(3)));
        };
    }

    /**
     * The JSON object of a sample. Feature {@code replaced} (if >= 0) is written with the raw
     * JSON text {@code replacement} instead of its value, or left out when that text is empty.
     */
    private static String json(String host, long ts, Sample s, int replaced, String replacement) {
        StringBuilder b = new StringBuilder(200);
        b.append("{\"host\":\"").append(host).append("\",\"ts\":").append(ts);
        for (int f = 0; f < SPEC.size(); f++) {
            String text;
            if (f == replaced) {
                if (replacement.isEmpty()) {
                    continue;
                }
                text = replacement;
            } else if (f < NUMERIC.length) {
                text = number(f, s.numeric[f]);
            } else if (f == NUMERIC.length) {
                text = '"' + REGIONS.get(s.region) + '"';
            } else {
                text = String.valueOf(s.canary);
            }
            b.append(",\"").append(SPEC.feature(f).name()).append("\":").append(text);
        }
        return b.append('}').toString();
    }

    private static String number(int feature, double value) {
        return switch (feature) {
            case REQUESTS, ERRORS, BYTES_IN, BYTES_OUT -> String.valueOf((long) value);
            default -> String.valueOf(value);
        };
    }

    // ---- helpers ----

    private static FeatureSpec buildSpec() {
        List<Feature> features = new ArrayList<>();
        for (String name : NUMERIC) {
            features.add(Feature.numeric(name));
        }
        features.add(Feature.categorical("region", REGIONS));
        features.add(new Feature("canary", FeatureType.BOOLEAN, false, null));
        return new FeatureSpec("host", "ts", features);
    }

    private static double poisson(double mean, SplittableRandom random) {
        // Knuth's method: fine for the small means here (a few errors per record).
        double limit = Math.exp(-Math.min(mean, 30));
        int k = 0;
        double p = random.nextDouble();
        while (p > limit) {
            k++;
            p *= random.nextDouble();
        }
        return k;
    }

    private static double round(double value, int decimals) {
        double scale = decimals == 1 ? 10 : 100;
        return Math.round(value * scale) / scale;
    }

    private static double clamp(double value, double min, double max) {
        return Math.max(min, Math.min(max, value));
    }
}
