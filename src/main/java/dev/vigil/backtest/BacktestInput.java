package dev.vigil.backtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.FeatureType;
import dev.vigil.ingest.InvalidRecordException;
import dev.vigil.ingest.RecordParser;
import dev.vigil.ingest.TabularFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * The records a backtest replays, as the input topic would carry them: a key, the value's bytes
 * and a timestamp, sorted by event time.
 *
 * <p><b>Values.</b> A JSON-lines file gives each line's bytes unchanged, so the replay parses them
 * with the service's own parser. A CSV row becomes a JSON object of its columns: by header name,
 * or, in a headerless file (the SMD layout), the spec's features in order. Cells of numeric
 * features, and other cells that read as numbers, become JSON numbers; categorical cells stay
 * text, boolean ones {@code true}/{@code false}; empty cells are left out (a missing value).
 *
 * <p><b>Time.</b> A record's event time is what the service would take: the spec's timestamp field
 * when it has one, else the record's own timestamp. File rows have none, so the n-th row (from 0,
 * across files in the order given) gets {@code start + n * interval}. Records are then sorted by
 * event time, ties in input order; one the parser refuses keeps the time of the record before it,
 * and the replay dead-letters it as the service would.
 */
public final class BacktestInput {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One input record. */
    public record Replayed(byte[] key, byte[] value, long timestamp) {
    }

    private BacktestInput() {
    }

    /** The records of {@code files}, read one after the other, sorted by event time. */
    public static List<Replayed> fromFiles(List<Path> files, FeatureSpec spec, long start, Duration interval)
            throws IOException {
        List<byte[]> values = new ArrayList<>();
        for (Path file : files) {
            values.addAll(read(file, spec));
        }
        List<Replayed> records = new ArrayList<>(values.size());
        for (byte[] value : values) {
            records.add(new Replayed(null, value, start + records.size() * interval.toMillis()));
        }
        return inEventTimeOrder(records, spec);
    }

    /**
     * {@code records} (as read from a topic or built by {@link #fromFiles}) with each timestamp set to
     * the record's event time, sorted by it; the sort is stable.
     */
    public static List<Replayed> inEventTimeOrder(List<Replayed> records, FeatureSpec spec) {
        RecordParser parser = new RecordParser(spec, Integer.MAX_VALUE, true);
        List<Replayed> timed = new ArrayList<>(records.size());
        long previous = records.isEmpty() ? 0 : records.get(0).timestamp();
        for (Replayed r : records) {
            long time;
            try {
                time = spec.timestamp() == null ? r.timestamp() : parser.parse(r.key(), r.value(), r.timestamp()).eventTime();
            } catch (InvalidRecordException e) {
                time = previous;
            }
            previous = time;
            timed.add(new Replayed(r.key(), r.value(), time));
        }
        timed.sort(Comparator.comparingLong(Replayed::timestamp));
        return timed;
    }

    private static List<byte[]> read(Path file, FeatureSpec spec) throws IOException {
        List<byte[]> values = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            CsvRows csv = null;
            int lineNumber = 0;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                if (csv == null && values.isEmpty() && line.stripLeading().startsWith("{")) {
                    csv = CsvRows.NONE;
                }
                if (csv == CsvRows.NONE) {
                    values.add(line.getBytes(StandardCharsets.UTF_8));
                    continue;
                }
                if (csv == null) {
                    csv = CsvRows.start(file, spec, TabularFile.splitCsv(line, -1));
                    if (csv.header) {
                        continue;
                    }
                }
                values.add(csv.toJson(file, lineNumber, TabularFile.splitCsv(line, csv.names.length)));
            }
        }
        if (values.isEmpty()) {
            throw new TabularFile.MalformedFileException(file + ": the file has no data rows");
        }
        return values;
    }

    /** How a CSV file's cells become a JSON object. */
    private static final class CsvRows {
        static final CsvRows NONE = new CsvRows(new String[0], false, Map.of());

        final String[] names;
        final boolean header;
        final Map<String, FeatureType> types;

        private CsvRows(String[] names, boolean header, Map<String, FeatureType> types) {
            this.names = names;
            this.header = header;
            this.types = types;
        }

        static CsvRows start(Path file, FeatureSpec spec, String[] first) {
            if (spec.hasPaths()) {
                throw new TabularFile.MalformedFileException(file + ": the feature spec reads nested fields and a CSV file has "
                        + "none: give JSON lines, or a spec without paths");
            }
            Map<String, FeatureType> types = new HashMap<>();
            spec.features().forEach(f -> types.put(f.name(), f.type()));
            Set<String> cells = new HashSet<>();
            for (String c : first) {
                cells.add(c.strip());
            }
            if (cells.containsAll(spec.names())) {
                String[] names = new String[first.length];
                for (int i = 0; i < first.length; i++) {
                    names[i] = first[i].strip();
                }
                return new CsvRows(names, true, types);
            }
            if (first.length != spec.features().size()) {
                throw new TabularFile.MalformedFileException(file + ":1: the first row is not a header naming every feature, "
                        + "and a headerless file's columns are the spec's " + spec.features().size() + " features in order, "
                        + "but it has " + first.length + " columns");
            }
            return new CsvRows(spec.names().toArray(String[]::new), false, types);
        }

        byte[] toJson(Path file, int lineNumber, String[] cells) {
            if (cells.length != names.length) {
                throw new TabularFile.MalformedFileException(file + ":" + lineNumber + ": " + cells.length + " cells, expected "
                        + names.length);
            }
            ObjectNode row = JSON.createObjectNode();
            for (int i = 0; i < cells.length; i++) {
                String cell = cells[i].strip();
                if (cell.isEmpty()) {
                    continue;
                }
                FeatureType type = types.get(names[i]);
                Double number = number(cell);
                if (type == FeatureType.BOOLEAN && (cell.equals("true") || cell.equals("false"))) {
                    row.put(names[i], Boolean.parseBoolean(cell));
                } else if (type != FeatureType.CATEGORICAL && type != FeatureType.BOOLEAN && number != null
                        && (type == FeatureType.NUMERIC || looksNumeric(cell))) {
                    row.put(names[i], number);
                } else {
                    row.put(names[i], cell); // a numeric feature's bad cell stays text: the parser dead-letters it
                }
            }
            try {
                return JSON.writeValueAsBytes(row);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static Double number(String cell) {
            try {
                double d = Double.parseDouble(cell);
                return Double.isFinite(d) ? d : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** Digits, not words such as {@code NaN} or {@code Infinity}, which stay text outside numeric features. */
        private static boolean looksNumeric(String cell) {
            char c = cell.charAt(0);
            return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
        }
    }
}
