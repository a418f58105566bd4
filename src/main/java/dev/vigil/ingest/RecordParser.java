package dev.vigil.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Turns the bytes of an input value into a {@link ParsedRecord}, or explains in an
 * {@link InvalidRecordException} why it cannot be scored. Stateless and thread-safe.
 *
 * <p>The timestamp field holds an ISO-8601 instant ({@link Instant#parse}) or a JSON number of
 * epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude: below
 * 10<sup>11</sup> seconds, below 10<sup>14</sup> milliseconds, below 10<sup>17</sup> microseconds,
 * else nanoseconds. The ranges do not overlap for instants from 1973-03-03 to the year 5138, so
 * Telegraf's {@code json_timestamp_units} (1s by default, or 1ms, 1us, 1ns) need no setting; but
 * milliseconds before 1973-03-03 (below 10<sup>11</sup>) are read as seconds. Microseconds and
 * nanoseconds are truncated to the millisecond before them; a fractional number (some agents write
 * {@code 1700000000.5} seconds) is rounded to the nearest millisecond. An integer of zero or less is
 * taken as epoch milliseconds, as it always was; a fractional one, or a number beyond the range of
 * epoch milliseconds, is {@link ErrorClass#BAD_TIMESTAMP}.
 */
public final class RecordParser {

    // NaN and Infinity literals are accepted by the tokenizer so that we can name them precisely
    // (non_finite) instead of reporting them as broken JSON. Anything but whitespace after the
    // value (a second object, stray brackets, raw bytes) makes the whole value not JSON: scoring
    // its first object would hide a broken producer.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    // The streaming path's tokenizer: the same, less the duplicate detection, which is most of a flat
    // record's parse (a hash set per object). That path finds duplicates of its own fields itself and
    // leaves anything with a nested object or array to the tree.
    private static final JsonFactory FLAT_JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    // Where the units of an epoch timestamp change, by magnitude (see the class comment).
    private static final long MIN_EPOCH_MILLIS = 100_000_000_000L;
    private static final long MIN_EPOCH_MICROS = 100_000_000_000_000L;
    private static final long MIN_EPOCH_NANOS = 100_000_000_000_000_000L;

    /** Longest entity key, in UTF-16 characters (at most 3 bytes each in UTF-8). */
    public static final int MAX_ENTITY_CHARS = 1024;

    private final FeatureSpec spec;
    private final int maxBytes;
    private final boolean unknownCategoryAsMissing;
    // Compiled once, and only for a spec with paths: a flat spec keeps the plain field look-ups.
    private final JsonPointer[] featurePointers;
    private final JsonPointer entityPointer;
    private final JsonPointer timestampPointer;
    // A flat spec's features by field name, for the streaming path; null for a spec with paths. The names are interned,
    // as the parser's field names are (Jackson's default), so that a lookup compares references, not characters.
    private final Map<String, Integer> flatIndex;
    private final String entityField;
    private final String timestampField;

    public RecordParser(FeatureSpec spec, int maxBytes, boolean unknownCategoryAsMissing) {
        this.spec = spec;
        this.maxBytes = maxBytes;
        this.unknownCategoryAsMissing = unknownCategoryAsMissing;
        if (spec.hasPaths()) {
            featurePointers = spec.features().stream().map(f -> JsonPointer.compile(f.location())).toArray(JsonPointer[]::new);
            entityPointer = FieldPath.isPointer(spec.entityKey()) ? JsonPointer.compile(spec.entityKey()) : null;
            timestampPointer = FieldPath.isPointer(spec.timestamp()) ? JsonPointer.compile(spec.timestamp()) : null;
            flatIndex = null;
        } else {
            featurePointers = null;
            entityPointer = null;
            timestampPointer = null;
            flatIndex = new HashMap<>();
            for (int i = 0; i < spec.size(); i++) {
                flatIndex.put(spec.features().get(i).name().intern(), i);
            }
        }
        entityField = spec.entityKey() == null ? null : spec.entityKey().intern();
        timestampField = spec.timestamp() == null ? null : spec.timestamp().intern();
    }

    public FeatureSpec spec() {
        return spec;
    }

    /** Parses a record read outside Kafka (a file, a generator): it has no source position. */
    public ParsedRecord parse(byte[] key, byte[] value, long kafkaTimestamp) throws InvalidRecordException {
        return parse(key, value, kafkaTimestamp, null, -1, -1);
    }

    /** Parses the record at {@code topic}, {@code partition}, {@code offset}. */
    public ParsedRecord parse(byte[] key, byte[] value, long kafkaTimestamp, String topic, int partition, long offset)
            throws InvalidRecordException {
        if (value == null || value.length == 0) {
            throw new InvalidRecordException(ErrorClass.EMPTY_VALUE, "the value is empty");
        }
        // The key counts too: a scored record is buffered (key, value and entity) in a changelog whose
        // writes must stay under the producer's max.request.size, like the alert that embeds the value.
        int keyBytes = key == null ? 0 : key.length;
        if ((long) value.length + keyBytes > maxBytes) {
            throw new InvalidRecordException(ErrorClass.TOO_LARGE, (keyBytes == 0 ? "the value has " + value.length
                    : "the key and value have " + ((long) value.length + keyBytes)) + " bytes, more than the maximum " + maxBytes);
        }
        if (flatIndex != null) {
            ParsedRecord streamed = parseFlat(key, value, kafkaTimestamp, topic, partition, offset);
            if (streamed != null) {
                return streamed;
            }
        }
        return parseTree(key, value, kafkaTimestamp, topic, partition, offset);
    }

    /** The tree path alone: every record it accepts, the streaming path must read the same way. */
    ParsedRecord parseTree(byte[] key, byte[] value, long kafkaTimestamp, String topic, int partition, long offset)
            throws InvalidRecordException {
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (IOException e) {
            throw new InvalidRecordException(ErrorClass.NOT_JSON, "not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRecordException(ErrorClass.NOT_OBJECT,
                    "the value is JSON but not an object (" + (root == null ? "nothing" : root.getNodeType().name().toLowerCase()) + ")");
        }
        double[] features = new double[spec.size()];
        List<FeatureSpec.Feature> list = spec.features();
        if (featurePointers == null) {
            for (int i = 0; i < features.length; i++) {
                features[i] = featureValue(i, list.get(i), root.get(list.get(i).name()));
            }
        } else {
            for (int i = 0; i < features.length; i++) {
                features[i] = featureValue(i, list.get(i), at(root, featurePointers[i], "field '", list.get(i)));
            }
        }
        return new ParsedRecord(entity(root, key), eventTime(root, kafkaTimestamp), features, value, topic, partition, offset,
                kafkaTimestamp);
    }

    /**
     * A flat record read token by token, without building its tree: parsing is the largest part of
     * a record's CPU. It takes only the plain case: scalar fields, each once, every feature of its
     * type and in range, a string entity, an integer timestamp. On anything else it returns null and
     * the tree path decides, so that errors, and the odd cases they guard, have one implementation.
     */
    ParsedRecord parseFlat(byte[] key, byte[] value, long kafkaTimestamp, String topic, int partition, long offset)
            throws InvalidRecordException {
        List<FeatureSpec.Feature> list = spec.features();
        double[] features = new double[list.size()];
        boolean[] seen = new boolean[list.size()];
        String entity = null;
        long eventTime = kafkaTimestamp;
        boolean timed = false;
        HashSet<String> others = null;
        try (JsonParser p = FLAT_JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken token;
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    return null;
                }
                Integer index = flatIndex.get(name);
                boolean used = index != null;
                if (used) {
                    if (seen[index]) {
                        return null;
                    }
                    FeatureSpec.Feature feature = list.get(index);
                    double x;
                    if (v == JsonToken.VALUE_NULL && feature.optional()) {
                        x = Double.NaN;
                    } else if (feature.type() == FeatureType.NUMERIC) {
                        if ((v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_NUMBER_INT)
                                || (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.BIG_INTEGER)) {
                            return null;
                        }
                        x = p.getDoubleValue();
                        if (!Double.isFinite(x)) {
                            return null;
                        }
                    } else if (feature.type() == FeatureType.BOOLEAN) {
                        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                            return null;
                        }
                        x = v == JsonToken.VALUE_TRUE ? 1 : 0;
                    } else {
                        int category = v == JsonToken.VALUE_STRING ? spec.categoryIndex(index, p.getText()) : -1;
                        if (category < 0) {
                            return null;
                        }
                        x = category;
                    }
                    features[index] = x;
                    seen[index] = true;
                }
                if (name.equals(entityField)) {
                    if (v != JsonToken.VALUE_STRING || entity != null) {
                        return null;
                    }
                    entity = p.getText();
                    used = true;
                }
                if (name.equals(timestampField)) {
                    if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || timed) {
                        return null;
                    }
                    eventTime = integerEpochMillis(p.getLongValue());
                    timed = true;
                    used = true;
                }
                if (!used) {
                    if (others == null) {
                        others = new HashSet<>();
                    }
                    if (!others.add(name)) {
                        return null;
                    }
                }
            }
            if (token != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        for (int i = 0; i < features.length; i++) {
            if (!seen[i]) {
                if (!list.get(i).optional()) {
                    return null;
                }
                features[i] = Double.NaN;
            }
        }
        if ((entityField != null && entity == null) || (timestampField != null && !timed)) {
            return null;
        }
        if (entityField == null) {
            entity = key == null ? null : new String(key, StandardCharsets.UTF_8);
        }
        return new ParsedRecord(entity == null ? null : boundedEntity(entity), eventTime, features, value, topic, partition,
                offset, kafkaTimestamp);
    }

    private double featureValue(int index, FeatureSpec.Feature feature, JsonNode node) throws InvalidRecordException {
        if (node == null || node.isNull()) {
            if (feature.optional()) {
                return Double.NaN;
            }
            throw new InvalidRecordException(ErrorClass.MISSING_FIELD, "required field '" + field(feature) + "' is missing");
        }
        switch (feature.type()) {
            case NUMERIC -> {
                if (!node.isNumber()) {
                    throw new InvalidRecordException(ErrorClass.WRONG_TYPE,
                            "field '" + field(feature) + "' must be a number, not " + describe(node));
                }
                double v = node.doubleValue();
                if (!Double.isFinite(v)) {
                    throw new InvalidRecordException(ErrorClass.NON_FINITE,
                            "field '" + field(feature) + "' is " + v + "; only finite numbers can be scored");
                }
                return v;
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw new InvalidRecordException(ErrorClass.WRONG_TYPE,
                            "field '" + field(feature) + "' must be true or false, not " + describe(node));
                }
                return node.booleanValue() ? 1 : 0;
            }
            default -> {
                if (!node.isTextual()) {
                    throw new InvalidRecordException(ErrorClass.WRONG_TYPE,
                            "field '" + field(feature) + "' must be a string (one of " + feature.categories() + "), not " + describe(node));
                }
                int category = spec.categoryIndex(index, node.textValue());
                if (category >= 0) {
                    return category;
                }
                if (unknownCategoryAsMissing && feature.optional()) {
                    return Double.NaN;
                }
                throw new InvalidRecordException(ErrorClass.UNKNOWN_CATEGORY,
                        "field '" + field(feature) + "' has the unknown category '" + abbreviate(node.textValue())
                                + "' (known: " + feature.categories() + ")");
            }
        }
    }

    private String entity(JsonNode root, byte[] key) throws InvalidRecordException {
        if (spec.entityKey() != null) {
            JsonNode node = entityPointer == null ? root.get(spec.entityKey())
                    : at(root, entityPointer, "entity key field '", null);
            if (node == null || node.isNull()) {
                throw new InvalidRecordException(ErrorClass.MISSING_FIELD, "entity key field '" + spec.entityKey() + "' is missing");
            }
            if (!node.isValueNode()) {
                throw new InvalidRecordException(ErrorClass.WRONG_TYPE,
                        "entity key field '" + spec.entityKey() + "' must be a string or number, not " + describe(node));
            }
            return boundedEntity(node.asText());
        }
        return key == null ? null : boundedEntity(new String(key, StandardCharsets.UTF_8));
    }

    /**
     * The entity is every output's key and part of every score and alert: bounding it keeps those
     * small whatever the input, so only an alert's copy of the input value can make an output large.
     */
    private static String boundedEntity(String entity) throws InvalidRecordException {
        if (entity.length() > MAX_ENTITY_CHARS) {
            throw new InvalidRecordException(ErrorClass.TOO_LARGE,
                    "the entity key has " + entity.length() + " characters, more than the maximum " + MAX_ENTITY_CHARS);
        }
        return entity;
    }

    private long eventTime(JsonNode root, long kafkaTimestamp) throws InvalidRecordException {
        if (spec.timestamp() == null) {
            return kafkaTimestamp;
        }
        JsonNode node = timestampPointer == null ? root.get(spec.timestamp())
                : at(root, timestampPointer, "timestamp field '", null);
        if (node == null || node.isNull()) {
            throw new InvalidRecordException(ErrorClass.MISSING_FIELD, "timestamp field '" + spec.timestamp() + "' is missing");
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return integerEpochMillis(node.longValue());
        }
        if (node.isFloatingPointNumber()) {
            double ms = fractionalEpochMillis(node.doubleValue());
            // Not NaN, and within a long: Math.round would quietly clamp what is beyond.
            if (ms >= 0 && ms < 0x1p63) {
                return Math.round(ms);
            }
        } else if (node.isTextual()) {
            try {
                return Instant.parse(node.textValue()).toEpochMilli();
            } catch (DateTimeParseException e) {
                // fall through to the error below
            }
        }
        String why = !node.isNumber() ? ""
                : node.isFloatingPointNumber() && !(node.doubleValue() > 0) ? " (a fraction must be above zero)"
                : " (beyond the range of epoch milliseconds)";
        throw new InvalidRecordException(ErrorClass.BAD_TIMESTAMP, "timestamp field '" + spec.timestamp()
                + "' must be epoch seconds, milliseconds, microseconds or nanoseconds, or an ISO-8601 instant, not "
                + describe(node) + why);
    }

    /** An integer timestamp in epoch milliseconds, its unit told by magnitude (see the class comment). */
    private static long integerEpochMillis(long v) {
        // Epoch milliseconds, the common case, cost two comparisons.
        return v >= MIN_EPOCH_MILLIS && v < MIN_EPOCH_MICROS ? v : otherEpochMillis(v);
    }

    /** An integer timestamp that is not epoch milliseconds from 1973 on, in epoch milliseconds. */
    private static long otherEpochMillis(long v) {
        if (v <= 0) {
            return v; // as it always was: milliseconds, the unit of the Kafka timestamp
        }
        if (v < MIN_EPOCH_MILLIS) {
            return v * 1_000; // seconds, below 10^11: the product cannot overflow
        }
        if (v < MIN_EPOCH_NANOS) {
            return Math.floorDiv(v, 1_000L); // microseconds (milliseconds were taken by the caller)
        }
        return Math.floorDiv(v, 1_000_000L);
    }

    /** A fractional timestamp in epoch milliseconds, not yet rounded; NaN for zero or less (refused). */
    private static double fractionalEpochMillis(double v) {
        if (!(v > 0)) {
            return Double.NaN;
        }
        if (v < MIN_EPOCH_MILLIS) {
            return v * 1e3;
        }
        if (v < MIN_EPOCH_MICROS) {
            return v;
        }
        return v < MIN_EPOCH_NANOS ? v / 1e3 : v / 1e6;
    }

    /** A feature as errors name it: its name, and where it is read from when that is a path. */
    private static String field(FeatureSpec.Feature feature) {
        return feature.path() == null ? feature.name() : feature.name() + "' at '" + feature.path();
    }

    /**
     * The value at {@code pointer}, or null when it or an object on the way is missing. The error
     * names {@code kind} and the feature (or, for null, the pointer); it is built only when thrown.
     */
    private static JsonNode at(JsonNode root, JsonPointer pointer, String kind, FeatureSpec.Feature feature)
            throws InvalidRecordException {
        try {
            return FieldPath.resolve(root, pointer);
        } catch (FieldPath.BlockedException e) {
            throw new InvalidRecordException(ErrorClass.WRONG_TYPE,
                    kind + (feature == null ? pointer.toString() : field(feature)) + "': " + e.getMessage());
        }
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        return node.getNodeType().name().toLowerCase() + " " + abbreviate(text);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
