package dev.vigil.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Proposes a {@link FeatureSpec} from a sample of records (JSON objects, or the cells of CSV rows),
 * and says for every field why it got its role. Pure: the caller reads the file or the topic.
 *
 * <p>The rules, the same for every data set (there are no knobs). {@code n} is the number of values
 * of a field that are not missing; missing means absent, JSON {@code null}, an empty CSV cell or the
 * CSV cell {@code NaN}.
 * <ul>
 *   <li><b>Nested objects</b>: their fields are inferred one by one and known by their JSON Pointer
 *       ({@code /fields/usage_idle}); a feature among them is named by its last key (joined by dots
 *       with the keys above it when two share it) and reads its pointer ({@code path}); the entity
 *       key and the timestamp may be pointers too. Arrays are left out.</li>
 *   <li><b>Left out first</b>: fields named in the exclusions; objects themselves (their fields
 *       are inferred) and arrays; fields missing in every record; fields of mixed JSON
 *       types (numbers in some records, strings in others), which no feature type reads.</li>
 *   <li><b>Timestamp</b>: a field present in every record whose values are all integral epoch
 *       milliseconds, microseconds or nanoseconds from 2000-01-01 to 2100-01-01 (all in one unit), or
 *       all ISO-8601 instants ({@link Instant#parse}), as {@link RecordParser} reads them; or integral
 *       epoch <em>seconds</em> of that span (Telegraf's default) in a field named like a clock
 *       ({@code ts}, {@code timestamp}, {@code time} ...): seconds of that span are also 0.9 to 4.1
 *       billion, as byte counters often are, so other integers are not second-guessed. Among several,
 *       the one named like {@code ts}, {@code timestamp}, {@code time} ... wins, then the first seen;
 *       the others are left out (a clock is a trend, not a feature).</li>
 *   <li><b>Entity key</b>: among string fields present in every record with at least 2 distinct
 *       values and at most 10% of {@code n} distinct, the one with the most distinct values
 *       (entities outnumber the values of a category); ties go to entity-like names ({@code host},
 *       {@code entity}, {@code device} ...), then to the first seen. With no entity field in the
 *       data, a categorical field may be proposed: the table says so, and the spec is the user's to edit.</li>
 *   <li><b>Near-constant</b>: one value in every record, or in at least 99.9% of {@code n}: left out.</li>
 *   <li><b>Boolean</b>: JSON {@code true}/{@code false}; in CSV, a column whose cells are all
 *       {@code true} or {@code false}.</li>
 *   <li><b>Categorical</b>: strings with at least 2 and at most 50 distinct values, and at most 5% of
 *       {@code n}. Categories are listed <em>sorted</em>, so a spec inferred again from another
 *       sample lists them in the same order (the order is part of the model's fingerprint).</li>
 *   <li><b>Id-like</b>: strings of which at least 99% of {@code n} are distinct; integers of which at
 *       least 99% are distinct and that are dense (their range at most twice their distinct count,
 *       as row numbers and sequence ids are) or named {@code id} / {@code *_id} / {@code *Id}: left out.
 *       Sparse integers such as byte counters stay numeric.</li>
 *   <li><b>Free text</b>: other strings, with too many distinct values to be a category: left out.</li>
 *   <li><b>Numeric</b>: JSON numbers, or CSV cells that parse as numbers.</li>
 *   <li><b>Optional</b>: a feature missing in at least one record of the sample.</li>
 * </ul>
 * Fields keep the order in which they were first seen (the CSV column order).
 */
public final class SpecInference {

    public static final int MAX_CATEGORIES = 50;
    public static final double MAX_CATEGORY_SHARE = 0.05;
    public static final double MAX_ENTITY_SHARE = 0.10;
    public static final double NEAR_CONSTANT_SHARE = 0.999;
    public static final double ID_SHARE = 0.99;
    /** 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z in epoch milliseconds. */
    static final long MIN_EPOCH_MS = 946_684_800_000L;
    static final long MAX_EPOCH_MS = 4_102_444_800_000L;
    /** Distinct values kept per field: beyond it a field is far past every threshold above anyway. */
    private static final int MAX_TRACKED = 100_000;

    private static final List<String> TIME_NAMES = List.of("ts", "timestamp", "@timestamp", "time", "event_time",
            "eventtime", "datetime", "date");
    private static final List<String> ENTITY_NAMES = List.of("host", "hostname", "entity", "entity_id", "device",
            "device_id", "sensor", "machine", "node", "instance", "server", "service", "account", "user", "customer");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a field became. */
    public enum Role {
        ENTITY_KEY("entity key"), TIMESTAMP("timestamp"), FEATURE("feature"), LEFT_OUT("left out");

        private final String label;

        Role(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * One field's role and the reason for it.
     *
     * @param feature the feature when {@code role} is {@link Role#FEATURE}, else null
     */
    public record Decision(String field, Role role, FeatureSpec.Feature feature, String why) {
        /** "numeric", "categorical, optional", "entity key", "left out" ... */
        public String roleText() {
            if (feature == null) {
                return role.label();
            }
            return feature.type().jsonName() + (feature.optional() ? ", optional" : "");
        }
    }

    /**
     * What the sample says.
     *
     * @param spec      the proposed spec, or null when no field can be a feature
     * @param decisions one per field seen, in first-seen order
     * @param records   records in the sample
     */
    public record Result(FeatureSpec spec, List<Decision> decisions, int records) {
        public Decision decision(String field) {
            return decisions.stream().filter(d -> d.field().equals(field)).findFirst().orElse(null);
        }

        /** The table printed on stderr: field, role or type, why. */
        public String table() {
            int width = Math.max(5, decisions.stream().mapToInt(d -> d.field().length()).max().orElse(0));
            int roleWidth = Math.max(4, decisions.stream().mapToInt(d -> d.roleText().length()).max().orElse(0));
            String format = "%-" + width + "s  %-" + roleWidth + "s  %s%n";
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, format, "field", "role", "why"));
            decisions.forEach(d -> sb.append(String.format(Locale.ROOT, format, d.field(), d.roleText(), d.why())));
            return sb.toString();
        }
    }

    private final Set<String> exclude;
    private final boolean csv;
    private final boolean positional;
    private final Map<String, FieldStats> fields = new LinkedHashMap<>();
    private int records;

    /**
     * @param exclude fields to leave out whatever they hold (e.g. a label)
     * @param csv     whether the values are CSV cells ({@link #addCells}) rather than JSON ({@link #addJson})
     */
    public SpecInference(Collection<String> exclude, boolean csv) {
        this(exclude, csv, false);
    }

    /**
     * @param positional the values are the cells of a headerless CSV file, whose columns
     *                   {@link TabularFile} reads by position: every column must then be a feature, so
     *                   a numeric column that the rules would leave out (or take as the timestamp) is
     *                   kept as a numeric feature, with the reason in the table; only {@code exclude} removes one
     */
    public SpecInference(Collection<String> exclude, boolean csv, boolean positional) {
        this.exclude = Set.copyOf(exclude);
        this.csv = csv;
        this.positional = positional;
    }

    public int records() {
        return records;
    }

    /** Adds one JSON object. */
    public void addJson(JsonNode object) {
        if (csv || object == null || !object.isObject()) {
            throw new IllegalArgumentException("not a JSON object, or not a JSON inference");
        }
        records++;
        addFields(object, "");
    }

    /**
     * The fields of {@code object}, whose JSON Pointer is {@code prefix} ("" for the record): a
     * top-level field is known by its name, a nested one by its pointer ({@code /tags/host}), and an
     * object's own fields are inferred one by one.
     */
    private void addFields(JsonNode object, String prefix) {
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix.isEmpty() ? e.getKey() : prefix + "/" + escape(e.getKey());
            FieldStats s = fields.computeIfAbsent(key, FieldStats::new);
            JsonNode v = e.getValue();
            if (v.isNull()) {
                continue;
            }
            if (v.isObject()) {
                s.nested++;
                addFields(v, (prefix.isEmpty() ? "/" + escape(e.getKey()) : key));
            } else if (v.isArray()) {
                s.arrays++;
            } else if (v.isBoolean()) {
                s.bool(v.booleanValue());
            } else if (v.isNumber()) {
                s.number(v.doubleValue(), v.isIntegralNumber() && v.canConvertToLong(), v.isIntegralNumber() ? v.asLong() : 0);
            } else {
                s.text(v.asText());
            }
        }
    }

    /** Adds one CSV row: {@code cells[i]} is the value of column {@code names.get(i)}. */
    public void addCells(List<String> names, String[] cells) {
        if (!csv || names.size() != cells.length) {
            throw new IllegalArgumentException("expected " + names.size() + " CSV cells, got " + cells.length);
        }
        records++;
        for (int i = 0; i < cells.length; i++) {
            FieldStats s = fields.computeIfAbsent(names.get(i), FieldStats::new);
            String cell = cells[i].strip();
            if (cell.isEmpty() || cell.equals("NaN")) {
                continue;
            }
            double v = parseNumber(cell);
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                s.text(cell);
            } else {
                // Parsed again as a long: a double would round epoch nanoseconds (beyond 2^53).
                long exact = cell.indexOf('.') < 0 && cell.indexOf('e') < 0 && cell.indexOf('E') < 0 ? parseLong(cell) : NOT_A_LONG;
                s.number(v, exact != NOT_A_LONG, exact == NOT_A_LONG ? 0 : exact);
            }
        }
    }

    /**
     * Reads up to {@code sample} records of a CSV (with or without a header, as {@link TabularFile}
     * reads it) or JSON-lines file.
     *
     * @throws TabularFile.MalformedFileException naming the file and line of what cannot be read
     */
    public static Result inferFile(Path file, int sample, Collection<String> exclude) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNumber = 0;
            String line;
            SpecInference inference = null;
            List<String> names = null;
            while (inference == null || inference.records < sample) {
                line = in.readLine();
                if (line == null) {
                    break;
                }
                lineNumber++;
                if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                String where = file + ":" + lineNumber + ": ";
                if (inference == null) {
                    boolean csv = !line.stripLeading().startsWith("{");
                    boolean header = false;
                    String[] first = csv ? TabularFile.splitCsv(line, -1) : null;
                    if (csv) {
                        for (String c : first) {
                            String s = c.strip();
                            header |= !s.isEmpty() && !s.equals("NaN") && Double.isNaN(parseNumber(s));
                        }
                    }
                    inference = new SpecInference(exclude, csv, csv && !header);
                    if (csv) {
                        names = new ArrayList<>();
                        for (int i = 0; i < first.length; i++) {
                            String name = header ? first[i].strip() : "f" + i;
                            if (names.contains(name)) {
                                throw new TabularFile.MalformedFileException(where + "column '" + name + "' appears twice in the header");
                            }
                            names.add(name);
                        }
                        if (header) {
                            continue;
                        }
                    }
                }
                if (inference.csv) {
                    String[] cells = TabularFile.splitCsv(line, -1);
                    if (cells.length != names.size()) {
                        throw new TabularFile.MalformedFileException(where + "expected " + names.size() + " columns, found " + cells.length);
                    }
                    inference.addCells(names, cells);
                } else {
                    JsonNode node;
                    try {
                        node = JSON.readTree(line);
                    } catch (JsonProcessingException e) {
                        throw new TabularFile.MalformedFileException(where + "not valid JSON: " + e.getOriginalMessage());
                    }
                    if (node == null || !node.isObject()) {
                        throw new TabularFile.MalformedFileException(where + "not a JSON object");
                    }
                    inference.addJson(node);
                }
            }
            if (inference == null || inference.records == 0) {
                throw new TabularFile.MalformedFileException(file + ": the file has no data rows");
            }
            return inference.result();
        }
    }

    /** The proposal for the records added so far. */
    public Result result() {
        Map<String, Decision> decided = new HashMap<>();
        List<FieldStats> timeFields = new ArrayList<>();
        List<FieldStats> entityCandidates = new ArrayList<>();
        for (FieldStats s : fields.values()) {
            String leftOut = firstExclusion(s);
            if (leftOut != null) {
                decided.put(s.name, new Decision(s.name, Role.LEFT_OUT, null, leftOut));
            } else if (s.isTime()) {
                timeFields.add(s);
            } else if (s.texts == s.present() && s.missing() == 0 && s.distinctTexts() >= 2 && !s.textOverflow
                    && s.distinctTexts() <= MAX_ENTITY_SHARE * s.present()) {
                entityCandidates.add(s);
            }
        }
        FieldStats timestamp = timeFields.stream().filter(s -> s.missing() == 0)
                .min(Comparator.comparingInt(s -> rank(TIME_NAMES, displayName(s)))).orElse(null);
        for (FieldStats s : timeFields) {
            String kind = s.epochUnit() != null ? s.epochUnit().label : "ISO-8601 instants";
            if (s == timestamp) {
                decided.put(s.name, new Decision(s.name, Role.TIMESTAMP, null, kind + ", in every record"));
            } else if (s.missing() > 0) {
                decided.put(s.name, new Decision(s.name, Role.LEFT_OUT, null, kind + " but missing in " + count(s.missing())
                        + " of " + count(records) + " records: the timestamp field must be in every record"));
            } else {
                decided.put(s.name, new Decision(s.name, Role.LEFT_OUT, null, kind + ": a second clock, '" + timestamp.name
                        + "' is the timestamp"));
            }
        }
        FieldStats entity = entityCandidates.stream()
                .min(Comparator.comparingInt((FieldStats s) -> -s.distinctTexts()).thenComparingInt(s -> rank(ENTITY_NAMES, displayName(s))))
                .orElse(null);
        if (entity != null) {
            decided.put(entity.name, new Decision(entity.name, Role.ENTITY_KEY, null, "string, " + count(entity.distinctTexts())
                    + " distinct of " + count(records) + ", in every record (the most distinct of "
                    + entityCandidates.size() + " candidate" + (entityCandidates.size() == 1 ? "" : "s") + ")"));
        }
        List<Decision> decisions = new ArrayList<>();
        List<FeatureSpec.Feature> features = new ArrayList<>();
        for (FieldStats s : fields.values()) {
            Decision d = decided.computeIfAbsent(s.name, k -> feature(s));
            if (positional && d.feature() == null && !exclude.contains(s.name) && s.numbers == s.present() && s.numbers > 0) {
                FeatureSpec.Feature numeric = FeatureSpec.Feature.numeric(s.name);
                d = new Decision(s.name, Role.FEATURE, s.missing() > 0 ? numeric.asOptional() : numeric, (d.role() == Role.LEFT_OUT
                        ? d.why() : d.role().label() + " (" + d.why() + ")") + "; kept: a headerless file is read by position, so every column must be a feature");
                if (s == timestamp) {
                    timestamp = null;
                }
            }
            decisions.add(d);
            if (d.feature() != null) {
                features.add(d.feature());
            }
        }
        FeatureSpec spec = features.isEmpty() ? null
                : new FeatureSpec(entity == null ? null : entity.name, timestamp == null ? null : timestamp.name, features);
        return new Result(spec, List.copyOf(decisions), records);
    }

    private String firstExclusion(FieldStats s) {
        if (exclude.contains(s.name)) {
            return "--exclude";
        }
        if (s.arrays > 0) {
            return "array in " + count(s.arrays) + " records: not a feature (name an element with a path by hand, e.g. /" 
                    + displayName(s) + "/0)";
        }
        if (s.nested > 0) {
            return s.nested == s.present() ? "object: its fields are inferred one by one"
                    : "mixed types: an object in " + count(s.nested) + " records, a value in " + count(s.present() - s.nested);
        }
        if (s.present() == 0) {
            return "missing in every record";
        }
        int kinds = (s.numbers > 0 ? 1 : 0) + (s.texts > 0 ? 1 : 0) + (s.trues + s.falses > 0 ? 1 : 0);
        if (kinds > 1) {
            return "mixed types: " + count(s.numbers) + " numbers, " + count(s.texts) + " strings, "
                    + count(s.trues + s.falses) + " booleans";
        }
        return null;
    }

    /** The decision for a field that is neither left out up front, nor the timestamp, nor the entity key. */
    private Decision feature(FieldStats s) {
        int n = s.present();
        String missing = s.missing() == 0 ? "" : ", " + count(s.missing()) + " of " + count(records) + " missing -> optional";
        Mode mode = s.mode();
        if (mode.distinct == 1) {
            return leftOut(s, "constant: " + mode.value + " in every record" + (s.missing() == 0 ? "" : " that has it"));
        }
        if (mode.count >= NEAR_CONSTANT_SHARE * n) {
            return leftOut(s, "near-constant: " + mode.value + " in " + count(mode.count) + " of " + count(n));
        }
        FeatureSpec.Feature f;
        String why;
        if (s.numbers > 0) {
            int distinct = s.numberCounts.size();
            boolean dense = s.integral == n && (double) s.maxLong - s.minLong + 1 <= 2.0 * distinct;
            if (s.integral == n && distinct >= ID_SHARE * n && (dense || idName(displayName(s)))) {
                return leftOut(s, "id-like: " + count(distinct) + (s.numberOverflow ? "+" : "") + " distinct integers of " + count(n)
                        + (dense ? ", consecutive" : ""));
            }
            f = FeatureSpec.Feature.numeric(s.name);
            why = "numbers, " + count(distinct) + (s.numberOverflow ? "+" : "") + " distinct";
        } else if (s.texts == 0 || (csv && s.textCounts.keySet().stream().allMatch(v -> v.equals("true") || v.equals("false")))) {
            f = new FeatureSpec.Feature(s.name, FeatureType.BOOLEAN, false, null);
            why = (s.texts == 0 ? "JSON true/false" : "cells true/false") + ", " + count(mode.count) + " of " + count(n) + " " + mode.value;
        } else {
            int distinct = s.distinctTexts();
            String counted = count(distinct) + (s.textOverflow ? "+" : "") + " distinct of " + count(n);
            if (distinct <= MAX_CATEGORIES && distinct <= MAX_CATEGORY_SHARE * n) {
                List<String> categories = s.textCounts.keySet().stream().sorted().toList();
                f = FeatureSpec.Feature.categorical(s.name, categories);
                why = categories.size() + " categories " + categories;
            } else if (distinct >= ID_SHARE * n) {
                return leftOut(s, "id-like: " + counted);
            } else {
                return leftOut(s, "free text: " + counted + " (a category has at most " + MAX_CATEGORIES
                        + " values and at most 5% of the values)");
            }
        }
        if (s.name.startsWith("/")) {
            f = new FeatureSpec.Feature(featureName(s), f.type(), false, f.categories()).withPath(s.name);
        }
        return new Decision(s.name, Role.FEATURE, s.missing() > 0 ? f.asOptional() : f, why + missing);
    }

    /** A nested field's last key, or its top-level name. */
    private static String displayName(FieldStats s) {
        if (!s.name.startsWith("/")) {
            return s.name;
        }
        return unescape(s.name.substring(s.name.lastIndexOf('/') + 1));
    }

    /**
     * The feature name of a nested field: its last key ({@code usage_idle} for
     * {@code /fields/usage_idle}), or its keys joined by dots when another field has that last key too.
     */
    private String featureName(FieldStats s) {
        String last = displayName(s);
        long sharing = fields.values().stream().filter(o -> displayName(o).equals(last)).count();
        if (sharing == 1) {
            return last;
        }
        StringBuilder dotted = new StringBuilder();
        for (String key : s.name.substring(1).split("/", -1)) {
            dotted.append(dotted.length() == 0 ? "" : ".").append(unescape(key));
        }
        return dotted.toString();
    }

    /** A key as a JSON Pointer segment (RFC 6901). */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String unescape(String segment) {
        return segment.replace("~1", "/").replace("~0", "~");
    }

    private static Decision leftOut(FieldStats s, String why) {
        return new Decision(s.name, Role.LEFT_OUT, null, why);
    }

    private static boolean idName(String name) {
        return name.equalsIgnoreCase("id") || name.toLowerCase(Locale.ROOT).endsWith("_id") || name.endsWith("Id");
    }

    /** Position of {@code name} in {@code preferred} (case-insensitive), or its size when absent. */
    private static int rank(List<String> preferred, String name) {
        int i = preferred.indexOf(name.toLowerCase(Locale.ROOT));
        return i < 0 ? preferred.size() : i;
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private record Mode(String value, int count, int distinct) {
    }

    /** The units of an integral epoch timestamp, which {@link RecordParser} tells apart by magnitude. */
    private enum EpochUnit {
        SECONDS("epoch seconds"), MILLISECONDS("epoch milliseconds"), MICROSECONDS("epoch microseconds"),
        NANOSECONDS("epoch nanoseconds");

        final String label;

        EpochUnit(String label) {
            this.label = label;
        }

        /** The unit of {@code v} when it is an instant from 2000-01-01 to 2100-01-01, else null. */
        static EpochUnit of(long v) {
            if (v >= MIN_EPOCH_MS / 1_000 && v < MAX_EPOCH_MS / 1_000) {
                return SECONDS;
            }
            if (v >= MIN_EPOCH_MS && v < MAX_EPOCH_MS) {
                return MILLISECONDS;
            }
            if (v >= MIN_EPOCH_MS * 1_000 && v < MAX_EPOCH_MS * 1_000) {
                return MICROSECONDS;
            }
            return v >= MIN_EPOCH_MS * 1_000_000 && v < MAX_EPOCH_MS * 1_000_000 ? NANOSECONDS : null;
        }
    }

    /** What one field held across the sample. */
    private final class FieldStats {
        final String name;
        int numbers;
        int integral;
        /** The epoch unit of the first integer, while every integer so far was an instant in that unit. */
        EpochUnit epochUnit;
        int epochInstants;
        long minLong = Long.MAX_VALUE;
        long maxLong = Long.MIN_VALUE;
        int trues;
        int falses;
        int texts;
        int isoInstants;
        int nested;
        int arrays;
        final Map<Double, Integer> numberCounts = new HashMap<>();
        final Map<String, Integer> textCounts = new HashMap<>();
        boolean numberOverflow;
        boolean textOverflow;

        FieldStats(String name) {
            this.name = name;
        }

        int present() {
            return numbers + trues + falses + texts + nested + arrays;
        }

        int missing() {
            return records - present();
        }

        int distinctTexts() {
            return textCounts.size();
        }

        boolean isTime() {
            int n = present();
            return n > 0 && ((integral == n && epochUnit() != null) || (texts == n && isoInstants == n));
        }

        /**
         * The unit when every value is an integral epoch instant in it; seconds only in a field named
         * like a clock (see the class comment).
         */
        EpochUnit epochUnit() {
            if (epochInstants != present() || epochUnit == null) {
                return null;
            }
            return epochUnit != EpochUnit.SECONDS || rank(TIME_NAMES, displayName(this)) < TIME_NAMES.size() ? epochUnit : null;
        }

        void number(double v, boolean isIntegral, long asLong) {
            numbers++;
            if (isIntegral) {
                integral++;
                minLong = Math.min(minLong, asLong);
                maxLong = Math.max(maxLong, asLong);
                EpochUnit unit = EpochUnit.of(asLong);
                if (epochInstants == integral - 1 && unit != null && (epochUnit == null || epochUnit == unit)) {
                    epochUnit = unit;
                    epochInstants++;
                }
            }
            if (numberCounts.size() < MAX_TRACKED || numberCounts.containsKey(v)) {
                numberCounts.merge(v, 1, Integer::sum);
            } else {
                numberOverflow = true;
            }
        }

        void bool(boolean v) {
            if (v) {
                trues++;
            } else {
                falses++;
            }
        }

        void text(String v) {
            texts++;
            // Only while every value so far was an instant: a field of free text costs one failed parse.
            if (isoInstants == texts - 1) {
                try {
                    Instant.parse(v);
                    isoInstants++;
                } catch (DateTimeParseException e) {
                    // not an instant
                }
            }
            if (textCounts.size() < MAX_TRACKED || textCounts.containsKey(v)) {
                textCounts.merge(v, 1, Integer::sum);
            } else {
                textOverflow = true;
            }
        }

        Mode mode() {
            if (numbers > 0) {
                Map.Entry<Double, Integer> top = numberCounts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
                double v = top.getKey();
                return new Mode(v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v),
                        top.getValue(), numberCounts.size() + (numberOverflow ? 1 : 0));
            }
            if (texts > 0) {
                Map.Entry<String, Integer> top = textCounts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
                return new Mode("'" + top.getKey() + "'", top.getValue(), textCounts.size() + (textOverflow ? 1 : 0));
            }
            int distinct = (trues > 0 ? 1 : 0) + (falses > 0 ? 1 : 0);
            return trues >= falses ? new Mode("true", trues, distinct) : new Mode("false", falses, distinct);
        }
    }

    /** What {@link #parseLong} returns for a cell that is not an integer within a long. */
    private static final long NOT_A_LONG = Long.MIN_VALUE;

    /** {@link Long#parseLong}, {@link #NOT_A_LONG} when not an integer within (Long.MIN_VALUE, Long.MAX_VALUE]. */
    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return NOT_A_LONG;
        }
    }

    /** {@link Double#parseDouble}, NaN when not a number. */
    private static double parseNumber(String s) {
        char c = s.charAt(0);
        if (!(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.') {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
