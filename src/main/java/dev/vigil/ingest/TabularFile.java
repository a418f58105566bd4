package dev.vigil.ingest;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a whole CSV or JSON-lines file into feature rows, for offline training and evaluation.
 *
 * <p>Rows are encoded against a {@link FeatureSpec} as everywhere else in Vigil: one {@code double}
 * per feature in spec order, numeric values as they are, categorical and boolean values as the
 * index of their category, a missing value (empty cell, JSON {@code null} or absent field) as
 * {@code NaN}. A missing value of a required feature is an error. An optional label column is
 * pulled out into an {@code int[]} of 0 (normal) and 1 (anomaly); {@code true}/{@code false} are
 * accepted too.
 *
 * <p><b>Format.</b> A file whose first non-blank character is <code>{</code> is read as JSON lines,
 * anything else as CSV (comma-separated, double quotes for cells containing commas).
 *
 * <p><b>CSV header.</b> Headerless numeric files (the SMD layout) are common, so the header is
 * detected: with a spec, the first row is a header when it contains every feature name of the spec;
 * without one, when any of its cells is not a number. Without a header, columns are named
 * {@code f0..f(n-1)} by position (so a label column can still be named, e.g. {@code f38}), and
 * the non-label columns are the features in spec order.
 *
 * <p><b>Nested fields.</b> In JSON lines, a feature with a {@code path} and an entity key starting with
 * {@code /} are read through their JSON Pointers, as {@link RecordParser} reads them; a missing
 * nested object is a missing value. A CSV file has no nesting, so a spec with paths is refused for it
 * rather than guessed at: its columns would have to be matched by name, which the spec does not say.
 *
 * <p>Errors name the file and the 1-based line. Cells are parsed by hand (no regular expressions)
 * so a million-row file reads in seconds.
 */
public final class TabularFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A file read into memory.
     *
     * @param spec   the features of {@code rows}, in column order (given or inferred)
     * @param rows   one {@code double[spec.size()]} per data line, in file order
     * @param labels one 0/1 label per row, or {@code null} when no label column was asked for
     * @param entities each row's entity (the spec's entity key field), or {@code null} when the spec names none
     */
    public record Table(FeatureSpec spec, double[][] rows, int[] labels, String[] entities) {
        public int size() {
            return rows.length;
        }

        /**
         * What the model sees of the rows: the rows themselves, or, when the spec has a context
         * block, each row followed by its context features, derived per entity in file order (the
         * file is taken to be in time order; without an entity field it is one entity).
         */
        public double[][] modelRows() {
            return spec.hasContext() ? new dev.vigil.context.ContextTracker(spec).enrich(rows, entities) : rows;
        }
    }

    /** A line of the file that cannot be read; the message starts with {@code file:line:}. */
    public static final class MalformedFileException extends IllegalArgumentException {
        public MalformedFileException(String message) {
            super(message);
        }
    }

    private TabularFile() {
    }

    /**
     * Reads {@code file}.
     *
     * @param spec        the features to extract, or {@code null} to infer all-numeric features from
     *                    the file: the header names (or {@code f0..fN}) minus the label column
     * @param labelColumn the name of the 0/1 label column, or {@code null} for none
     * @throws MalformedFileException when a line cannot be encoded
     * @throws IOException            when the file cannot be read
     */
    public static Table read(Path file, FeatureSpec spec, String labelColumn) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Source source = new Source(file, in);
            String first = source.next();
            if (first == null) {
                throw new MalformedFileException(file + ": the file has no data rows");
            }
            Reader reader = first.stripLeading().startsWith("{")
                    ? new JsonLinesReader(source, spec, labelColumn, first)
                    : new CsvReader(source, spec, labelColumn, first);
            return reader.readAll();
        }
    }

    /** Lines with their numbers, blank lines skipped, a UTF-8 byte-order mark dropped. */
    private static final class Source {
        final Path file;
        final BufferedReader in;
        int lineNumber;

        Source(Path file, BufferedReader in) {
            this.file = file;
            this.in = in;
        }

        String next() throws IOException {
            String line;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);
                }
                if (!line.isBlank()) {
                    return line;
                }
            }
            return null;
        }

        MalformedFileException error(String message) {
            return new MalformedFileException(file + ":" + lineNumber + ": " + message);
        }
    }

    private abstract static class Reader {
        final Source source;
        FeatureSpec spec;
        final String labelColumn;
        final List<double[]> rows = new ArrayList<>();
        final IntList labels = new IntList();
        final List<String> entities = new ArrayList<>();

        Reader(Source source, FeatureSpec spec, String labelColumn) {
            this.source = source;
            this.spec = spec;
            this.labelColumn = labelColumn;
        }

        abstract void readRow(String line) throws IOException;

        Table readAll() throws IOException {
            String line;
            while ((line = source.next()) != null) {
                readRow(line);
            }
            if (rows.isEmpty()) {
                throw new MalformedFileException(source.file + ": the file has no data rows");
            }
            return new Table(spec, rows.toArray(new double[0][]), labelColumn == null ? null : labels.toArray(),
                    spec.entityKey() == null ? null : entities.toArray(String[]::new));
        }

        /** Encodes one textual cell of feature {@code f}; {@code null} or empty means missing. */
        double encode(int f, String cell) {
            FeatureSpec.Feature feature = spec.feature(f);
            if (cell == null || cell.isEmpty()) {
                if (!feature.optional()) {
                    throw source.error("missing value for required feature '" + feature.name() + "'");
                }
                return Double.NaN;
            }
            if (feature.isNumeric()) {
                double v = parseNumber(cell);
                if (Double.isNaN(v) && !isNaNLiteral(cell)) {
                    throw source.error("feature '" + feature.name() + "': '" + cell + "' is not a number");
                }
                if (Double.isNaN(v) && !feature.optional()) {
                    throw source.error("missing value for required feature '" + feature.name() + "'");
                }
                if (Double.isInfinite(v)) {
                    throw source.error("feature '" + feature.name() + "': infinite value '" + cell + "'");
                }
                return v;
            }
            int index = spec.categoryIndex(f, cell);
            if (index < 0) {
                throw source.error("feature '" + feature.name() + "': unknown category '" + cell
                        + "' (known: " + feature.categories() + ")");
            }
            return index;
        }

        int label(String cell) {
            if (cell != null) {
                switch (cell) {
                    case "0", "0.0", "false" -> {
                        return 0;
                    }
                    case "1", "1.0", "true" -> {
                        return 1;
                    }
                    default -> {
                    }
                }
            }
            throw source.error("label column '" + labelColumn + "' must be 0 or 1, found '" + cell + "'");
        }
    }

    private static final class CsvReader extends Reader {
        private final int columns;
        private final int[] featureColumn;
        private final int labelIndex;
        private final int entityIndex;

        CsvReader(Source source, FeatureSpec given, String labelColumn, String firstLine) throws IOException {
            super(source, given, labelColumn);
            if (given != null && given.hasPaths()) {
                throw new MalformedFileException(source.file + ": the feature spec reads nested fields ("
                        + given.features().stream().filter(f -> f.path() != null).findFirst()
                                .map(f -> "feature '" + f.name() + "' at '" + f.path() + "'")
                                .orElse(FieldPath.isPointer(given.entityKey()) ? "entity key '" + given.entityKey() + "'"
                                        : "timestamp '" + given.timestamp() + "'")
                        + ") and a CSV file has none: give JSON lines, or a spec without paths");
            }
            String[] first = splitCsv(firstLine, -1);
            columns = first.length;
            boolean header = given != null ? containsAll(first, given.names()) : !allNumeric(first);
            String[] names = new String[columns];
            for (int i = 0; i < columns; i++) {
                names[i] = header ? first[i].strip() : "f" + i;
            }
            Map<String, Integer> byName = new HashMap<>();
            for (int i = 0; i < columns; i++) {
                if (byName.put(names[i], i) != null) {
                    throw source.error("column '" + names[i] + "' appears twice in the header");
                }
            }
            if (labelColumn != null) {
                Integer index = byName.get(labelColumn);
                if (index == null) {
                    throw source.error("no label column '" + labelColumn + "' (columns: " + String.join(",", names)
                            + (header ? "" : "; a headerless file names its columns f0..f" + (columns - 1)) + ")");
                }
                labelIndex = index;
            } else {
                labelIndex = -1;
            }
            List<String> featureNames = new ArrayList<>();
            for (int i = 0; i < columns; i++) {
                if (i != labelIndex) {
                    featureNames.add(names[i]);
                }
            }
            if (spec == null) {
                spec = FeatureSpec.numeric(featureNames);
            }
            if (spec.entityKey() != null) {
                Integer index = header ? byName.get(spec.entityKey()) : null;
                if (index == null) {
                    throw source.error("the feature spec's entity key '" + spec.entityKey() + "' is not a column of the header");
                }
                entityIndex = index;
            } else {
                entityIndex = -1;
            }
            featureColumn = new int[spec.size()];
            if (header) {
                for (int f = 0; f < spec.size(); f++) {
                    featureColumn[f] = byName.get(spec.feature(f).name());
                }
            } else {
                if (featureNames.size() != spec.size()) {
                    throw source.error("the feature spec has " + spec.size() + " features but the headerless file has "
                            + featureNames.size() + " feature columns");
                }
                for (int f = 0, i = 0; i < columns; i++) {
                    if (i != labelIndex) {
                        featureColumn[f++] = i;
                    }
                }
            }
            if (!header) {
                readRow(firstLine);
            }
        }

        @Override
        void readRow(String line) {
            String[] cells = splitCsv(line, columns);
            if (cells.length != columns) {
                throw source.error("expected " + columns + " columns, found " + cells.length);
            }
            double[] row = new double[featureColumn.length];
            for (int f = 0; f < row.length; f++) {
                row[f] = encode(f, cells[featureColumn[f]].strip());
            }
            rows.add(row);
            if (entityIndex >= 0) {
                entities.add(cells[entityIndex].strip());
            }
            if (labelIndex >= 0) {
                labels.add(label(cells[labelIndex].strip()));
            }
        }

        private static boolean containsAll(String[] cells, List<String> names) {
            java.util.Set<String> present = new java.util.HashSet<>();
            for (String c : cells) {
                present.add(c.strip());
            }
            return present.containsAll(names);
        }

        private static boolean allNumeric(String[] cells) {
            for (String c : cells) {
                String s = c.strip();
                if (!s.isEmpty() && Double.isNaN(parseNumber(s)) && !isNaNLiteral(s)) {
                    return false;
                }
            }
            return true;
        }

    }

    private static final class JsonLinesReader extends Reader {
        private final String firstLine;
        /** One JSON Pointer per feature when the spec has paths, else null (plain field look-ups). */
        private JsonPointer[] pointers;
        private JsonPointer entityPointer;

        JsonLinesReader(Source source, FeatureSpec given, String labelColumn, String firstLine) {
            super(source, given, labelColumn);
            this.firstLine = firstLine;
        }

        @Override
        Table readAll() throws IOException {
            JsonNode first = parse(firstLine);
            if (spec == null) {
                List<String> names = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = first.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    if (!field.getKey().equals(labelColumn) && field.getValue().isNumber()) {
                        names.add(field.getKey());
                    }
                }
                if (names.isEmpty()) {
                    throw source.error("no numeric fields to infer features from");
                }
                spec = FeatureSpec.numeric(names);
            }
            if (spec.hasPaths()) {
                pointers = spec.features().stream().map(f -> JsonPointer.compile(f.location())).toArray(JsonPointer[]::new);
                entityPointer = spec.entityKey() == null ? null : FieldPath.compile(spec.entityKey());
            }
            readNode(first);
            return super.readAll();
        }

        @Override
        void readRow(String line) {
            readNode(parse(line));
        }

        private JsonNode parse(String line) {
            try {
                JsonNode node = JSON.readTree(line);
                if (node == null || !node.isObject()) {
                    throw source.error("not a JSON object");
                }
                return node;
            } catch (JsonProcessingException e) {
                throw source.error("not valid JSON: " + e.getOriginalMessage());
            }
        }

        private void readNode(JsonNode node) {
            double[] row = new double[spec.size()];
            for (int f = 0; f < row.length; f++) {
                FeatureSpec.Feature feature = spec.feature(f);
                JsonNode value = pointers == null ? node.get(feature.name()) : resolve(node, pointers[f], feature.name());
                if (value == null || value.isNull()) {
                    row[f] = encode(f, null);
                } else if (feature.isNumeric()) {
                    if (!value.isNumber()) {
                        throw source.error("feature '" + feature.name() + "': " + value + " is not a number");
                    }
                    row[f] = value.doubleValue();
                } else if (value.isTextual() || value.isBoolean()) {
                    row[f] = encode(f, value.asText());
                } else {
                    throw source.error("feature '" + feature.name() + "': " + value + " is not a category");
                }
            }
            rows.add(row);
            if (spec.entityKey() != null) {
                JsonNode entity = pointers == null ? node.get(spec.entityKey())
                        : resolve(node, entityPointer, "entity key");
                entities.add(entity == null || entity.isNull() ? null : entity.asText());
            }
            if (labelColumn != null) {
                JsonNode label = node.get(labelColumn);
                labels.add(label(label == null || label.isNull() || label.isContainerNode() ? null : label.asText()));
            }
        }

        private JsonNode resolve(JsonNode node, JsonPointer pointer, String what) {
            try {
                return FieldPath.resolve(node, pointer);
            } catch (FieldPath.BlockedException e) {
                throw source.error(what + " at '" + pointer + "': " + e.getMessage());
            }
        }
    }

    /**
     * Splits a CSV line on commas; double-quoted cells may contain commas and doubled quotes.
     * {@code expected} sizes the result when the column count is known (else -1).
     */
    public static String[] splitCsv(String line, int expected) {
        List<String> cells = new ArrayList<>(expected > 0 ? expected : 16);
        if (line.indexOf('"') < 0) {
            int start = 0;
            int comma;
            while ((comma = line.indexOf(',', start)) >= 0) {
                cells.add(line.substring(start, comma));
                start = comma + 1;
            }
            cells.add(line.substring(start));
            return cells.toArray(new String[0]);
        }
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells.toArray(new String[0]);
    }

    /** {@link Double#parseDouble} without the exception cost on a header cell: NaN when not a number. */
    private static double parseNumber(String s) {
        char c = s.charAt(0);
        if (!(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' && c != 'N' && c != 'I') {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static boolean isNaNLiteral(String s) {
        return s.equals("NaN");
    }

    /** A growable int array, to avoid boxing a million labels. */
    private static final class IntList {
        private int[] values = new int[1024];
        private int size;

        void add(int v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
