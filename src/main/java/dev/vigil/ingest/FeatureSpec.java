package dev.vigil.ingest;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an input record looks like: the entity-key field, the optional timestamp field and the
 * feature fields in model order. Immutable and validated on construction.
 *
 * <p>Features are encoded as one {@code double} per feature in spec order (see {@link #categoryIndex}):
 * numeric values as they are, categorical and boolean values as the index of their category,
 * and a missing value as {@code NaN}.
 *
 * <p>With a {@code "context"} block ({@link ContextSettings}) the model's input is
 * {@link #modelInput()}: these features followed by ones derived from the entity's recent records.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FeatureSpec(
        @JsonProperty("entityKey") String entityKey,
        @JsonProperty("timestamp") String timestamp,
        @JsonProperty("features") List<Feature> features,
        @JsonProperty("context") ContextSettings context) {

    /** Suffix of a derived feature: how far a numeric value is from its entity's recent level. */
    public static final String LEVEL = "~level";
    /** Suffix of a derived feature: a categorical value differs from its entity's last two. */
    public static final String CHANGED = "~changed";
    /** Name of the derived feature: log of how many records in a row the entity sent unchanged. */
    public static final String UNCHANGED = "record~unchanged";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * One feature field. {@code categories} is required for categorical features and fixed for booleans.
     * {@code path}, when given, is a JSON Pointer (RFC 6901) to the value in the record, such as
     * {@code /fields/usage_idle}; without it the value is the top-level field {@code name}. The name
     * stays what alerts and CSV output call the feature.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Feature(
            @JsonProperty("name") String name,
            @JsonProperty("type") FeatureType type,
            @JsonProperty("optional") boolean optional,
            @JsonProperty("categories") List<String> categories,
            @JsonProperty("path") String path) {

        public Feature {
            if (name == null || name.isBlank()) {
                throw new InvalidFeatureSpecException("every feature needs a non-empty \"name\"");
            }
            if (type == null) {
                throw new InvalidFeatureSpecException("feature '" + name + "' needs a \"type\" (numeric, categorical or boolean)");
            }
            if (path != null) {
                String error = FieldPath.syntaxError(path);
                if (error != null) {
                    throw new InvalidFeatureSpecException("feature '" + name + "' has the path '" + path
                            + "', which is not a JSON Pointer: " + error);
                }
            }
            switch (type) {
                case NUMERIC -> {
                    if (categories != null) {
                        throw new InvalidFeatureSpecException("numeric feature '" + name + "' must not list \"categories\"");
                    }
                }
                case BOOLEAN -> {
                    if (categories != null && !categories.equals(List.of("false", "true"))) {
                        throw new InvalidFeatureSpecException("boolean feature '" + name + "' has the fixed categories [false, true]");
                    }
                    categories = List.of("false", "true");
                }
                case CATEGORICAL -> {
                    if (categories == null || categories.size() < 2) {
                        throw new InvalidFeatureSpecException("categorical feature '" + name + "' needs \"categories\" with at least two values");
                    }
                    if (new HashSet<>(categories).size() != categories.size()) {
                        throw new InvalidFeatureSpecException("categorical feature '" + name + "' lists a category twice");
                    }
                    categories = List.copyOf(categories);
                }
            }
        }

        /** A feature read from the top-level field {@code name}. */
        public Feature(String name, FeatureType type, boolean optional, List<String> categories) {
            this(name, type, optional, categories, null);
        }

        public static Feature numeric(String name) {
            return new Feature(name, FeatureType.NUMERIC, false, null);
        }

        public static Feature categorical(String name, List<String> categories) {
            return new Feature(name, FeatureType.CATEGORICAL, false, categories);
        }

        /** The same feature, allowed to be missing. */
        public Feature asOptional() {
            return new Feature(name, type, true, type == FeatureType.BOOLEAN ? null : categories, path);
        }

        /** The same feature, read from the JSON Pointer {@code path} (null: from the top-level field {@code name}). */
        public Feature withPath(String path) {
            return new Feature(name, type, optional, type == FeatureType.BOOLEAN ? null : categories, path);
        }

        /** The JSON Pointer this feature is read from: its path, or {@code /name}. */
        @JsonIgnore
        public String location() {
            return path != null ? path : FieldPath.location(name);
        }

        /** Number of categories, or 0 for a numeric feature. */
        @JsonIgnore
        public int cardinality() {
            return categories == null ? 0 : categories.size();
        }

        @JsonIgnore
        public boolean isNumeric() {
            return type == FeatureType.NUMERIC;
        }
    }

    public FeatureSpec {
        if (features == null || features.isEmpty()) {
            throw new InvalidFeatureSpecException("the feature spec needs a non-empty \"features\" list");
        }
        features = List.copyOf(features);
        Set<String> names = new HashSet<>();
        for (Feature f : features) {
            if (!names.add(f.name())) {
                throw new InvalidFeatureSpecException("feature '" + f.name() + "' is listed twice");
            }
        }
        if (entityKey != null && names.contains(entityKey)) {
            throw new InvalidFeatureSpecException("the entity key '" + entityKey + "' cannot also be a feature");
        }
        if (timestamp != null && names.contains(timestamp)) {
            throw new InvalidFeatureSpecException("the timestamp field '" + timestamp + "' cannot also be a feature");
        }
        checkLocations(entityKey, timestamp, features);
        if (context != null) {
            for (String derived : derivedNames(features)) {
                if (names.contains(derived)) {
                    throw new InvalidFeatureSpecException("feature '" + derived + "' has the name of a context feature: rename it");
                }
            }
        }
    }

    /**
     * Every value is read from its own place: no two share a JSON Pointer, and none lies inside
     * another (a value cannot be both an object and inside it). Entity key and timestamp starting
     * with {@code /} are JSON Pointers too.
     */
    private static void checkLocations(String entityKey, String timestamp, List<Feature> features) {
        Map<String, String> readers = new java.util.LinkedHashMap<>();
        for (String[] field : new String[][] {{"entity key", entityKey}, {"timestamp", timestamp}}) {
            if (FieldPath.isPointer(field[1])) {
                String error = FieldPath.syntaxError(field[1]);
                if (error != null) {
                    throw new InvalidFeatureSpecException("the " + field[0] + " '" + field[1] + "' is not a valid JSON Pointer: " + error);
                }
            }
            if (field[1] != null) {
                // An entity key that is also the timestamp is odd but was always allowed: only features must not collide.
                readers.putIfAbsent(FieldPath.location(field[1]), "the " + field[0]);
            }
        }
        for (Feature f : features) {
            String other = readers.putIfAbsent(f.location(), "feature '" + f.name() + "'");
            if (other != null) {
                throw new InvalidFeatureSpecException("feature '" + f.name() + "' reads '" + f.location()
                        + "', which " + other + " reads already: two values cannot share a path");
            }
        }
        for (Map.Entry<String, String> outer : readers.entrySet()) {
            for (Map.Entry<String, String> inner : readers.entrySet()) {
                if (inner.getKey().startsWith(outer.getKey() + "/")) {
                    throw new InvalidFeatureSpecException(capitalized(inner.getValue()) + " reads '" + inner.getKey()
                            + "', inside '" + outer.getKey() + "', which " + outer.getValue()
                            + " reads: a value cannot be both an object and inside it");
                }
            }
        }
    }

    private static String capitalized(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /** A spec without context. */
    public FeatureSpec(String entityKey, String timestamp, List<Feature> features) {
        this(entityKey, timestamp, features, null);
    }

    /** The same spec with {@code settings} as its context block (null: none). */
    public FeatureSpec withContext(ContextSettings settings) {
        return new FeatureSpec(entityKey, timestamp, features, settings);
    }

    /**
     * Does this spec read any value through a JSON Pointer (a feature's {@code path}, or an entity key
     * or timestamp starting with {@code /})? A spec without does not need to look into nested objects.
     */
    @JsonIgnore
    public boolean hasPaths() {
        return FieldPath.isPointer(entityKey) || FieldPath.isPointer(timestamp)
                || features.stream().anyMatch(f -> f.path() != null);
    }

    @JsonIgnore
    public boolean hasContext() {
        return context != null;
    }

    /**
     * What the model sees: without context this spec; with it, a spec of these features followed by
     * one numeric {@code <name>~level} per numeric feature, one {@code <name>~changed} per
     * categorical or boolean one and {@code record~unchanged}, in that order.
     */
    public FeatureSpec modelInput() {
        if (context == null) {
            return this;
        }
        List<Feature> all = new java.util.ArrayList<>(features);
        derivedNames(features).forEach(name -> all.add(Feature.numeric(name)));
        return new FeatureSpec(entityKey, timestamp, all, null);
    }

    private static List<String> derivedNames(List<Feature> features) {
        List<String> names = new java.util.ArrayList<>();
        features.stream().filter(Feature::isNumeric).forEach(f -> names.add(f.name() + LEVEL));
        features.stream().filter(f -> !f.isNumeric()).forEach(f -> names.add(f.name() + CHANGED));
        names.add(UNCHANGED);
        return names;
    }

    /** A spec of unnamed numeric features {@code f0..f(n-1)}, for headerless CSV files. */
    public static FeatureSpec numeric(int count) {
        return numeric(java.util.stream.IntStream.range(0, count).mapToObj(i -> "f" + i).toList());
    }

    /** A spec of required numeric features with the given names. */
    public static FeatureSpec numeric(List<String> names) {
        return new FeatureSpec(null, null, names.stream().map(Feature::numeric).toList());
    }

    public static FeatureSpec parse(String json) {
        try {
            FeatureSpec spec = JSON.readValue(json, FeatureSpec.class);
            if (spec == null) {
                throw new InvalidFeatureSpecException("the feature spec is empty");
            }
            return spec;
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof InvalidFeatureSpecException ? e.getCause() : null;
            if (cause != null) {
                throw (InvalidFeatureSpecException) cause;
            }
            throw new InvalidFeatureSpecException("not a valid feature spec: " + e.getOriginalMessage());
        }
    }

    public static FeatureSpec load(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new InvalidFeatureSpecException("feature spec file not found: " + file);
        } catch (IOException e) {
            throw new InvalidFeatureSpecException("cannot read feature spec " + file + ": " + e.getMessage());
        } catch (InvalidFeatureSpecException e) {
            throw new InvalidFeatureSpecException(file + ": " + e.getMessage());
        }
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @JsonIgnore
    public int size() {
        return features.size();
    }

    public Feature feature(int index) {
        return features.get(index);
    }

    @JsonIgnore
    public List<String> names() {
        return features.stream().map(Feature::name).toList();
    }

    /** Index of {@code value} among the categories of feature {@code index}, or -1 if unknown. */
    public int categoryIndex(int index, String value) {
        List<String> categories = features.get(index).categories();
        return categories == null ? -1 : categories.indexOf(value);
    }

    /**
     * SHA-256 over what the model depends on (the names, types, categories and order of the
     * {@link #modelInput()} features, their paths, and the context's half-life), so a model bundle can refuse
     * a spec it was not trained for. Entity key and timestamp are left out: they do not change the
     * model's input. A spec without context keeps the fingerprint it had before context existed, and
     * a feature without a path (or whose path is just {@code /name}) the one it had before paths: the
     * path says which value of the record the model learned, so moving it asks for another model.
     */
    @JsonIgnore
    public String fingerprint() {
        StringBuilder canonical = new StringBuilder();
        if (context != null) {
            canonical.append("context\u0000").append(context.halfLife()).append('\n');
        }
        for (Feature f : modelInput().features) {
            canonical.append(f.name()).append('\u0000').append(f.type().jsonName()).append('\u0000');
            if (f.categories() != null) {
                canonical.append(String.join("\u0001", f.categories()));
            }
            if (f.path() != null && !f.path().equals(FieldPath.location(f.name()))) {
                canonical.append('\u0002').append(f.path());
            }
            canonical.append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
