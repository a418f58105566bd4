package dev.vigil.eval;

import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.TabularFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Loads evaluation datasets from the SMD and ADBench layouts of {@code ../shared/datasets}. */
public final class EvalDatasets {

    /** Share of an ADBench-style file used for training, as in ADBench. */
    public static final double TRAIN_SHARE = 0.7;

    private EvalDatasets() {
    }

    /**
     * One SMD machine: headerless numeric CSV for training and test, one 0/1 label per test row,
     * and optionally the interpretation labels ({@code start-end:d1,d2,...}, 1-based). Named after
     * the test file's stem, e.g. {@code machine-1-6}.
     */
    public static EvalDataset smd(Path train, Path test, Path labels, Path interpretation) throws IOException {
        TabularFile.Table trainTable = TabularFile.read(train, null, null);
        TabularFile.Table testTable = TabularFile.read(test, trainTable.spec(), null);
        TabularFile.Table labelTable = TabularFile.read(labels, FeatureSpec.numeric(1), null);
        int[] y = new int[labelTable.size()];
        for (int i = 0; i < y.length; i++) {
            double v = labelTable.rows()[i][0];
            if (v != 0 && v != 1) {
                throw new TabularFile.MalformedFileException(labels + ": label " + v + " in data row " + (i + 1) + " is not 0 or 1");
            }
            y[i] = (int) v;
        }
        if (y.length != testTable.size()) {
            throw new TabularFile.MalformedFileException(labels + ": " + y.length + " labels for " + testTable.size()
                    + " rows of " + test);
        }
        List<Metrics.Segment> segments = interpretation == null ? null : interpretation(interpretation);
        return new EvalDataset(stem(test), trainTable.rows(), testTable.rows(), y, segments);
    }

    /**
     * Every machine of a folder in SMD layout: {@code train/}, {@code test/}, {@code test_label/}
     * and, when present, {@code interpretation_label/}, one {@code <machine>.txt} in each; in name order.
     */
    public static List<EvalDataset> smdDirectory(Path dir) throws IOException {
        Path trainDir = dir.resolve("train");
        if (!Files.isDirectory(trainDir)) {
            throw new IllegalArgumentException(dir + " is not in SMD layout: no train/ folder");
        }
        List<Path> machines;
        try (Stream<Path> files = Files.list(trainDir)) {
            machines = files.filter(p -> p.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
        if (machines.isEmpty()) {
            throw new IllegalArgumentException(trainDir + " has no <machine>.txt files");
        }
        List<EvalDataset> datasets = new ArrayList<>();
        for (Path train : machines) {
            String file = train.getFileName().toString();
            Path interpretation = dir.resolve("interpretation_label").resolve(file);
            datasets.add(smd(train, dir.resolve("test").resolve(file), dir.resolve("test_label").resolve(file),
                    Files.exists(interpretation) ? interpretation : null));
        }
        return datasets;
    }

    /**
     * A labelled CSV or JSON-lines file in the ADBench protocol: a stratified random split (seeded)
     * puts 70% of the normal rows and 70% of the anomalies into training, labels dropped (so
     * training is contaminated, as in ADBench), and the rest into the test set.
     */
    public static EvalDataset labelledFile(Path file, String labelColumn, long seed) throws IOException {
        TabularFile.Table table = TabularFile.read(file, null, labelColumn);
        int[] labels = table.labels();
        List<Integer> normal = new ArrayList<>();
        List<Integer> anomalous = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            (labels[i] != 0 ? anomalous : normal).add(i);
        }
        SplittableRandom random = new SplittableRandom(seed);
        shuffle(normal, random);
        shuffle(anomalous, random);
        int normalTrain = (int) Math.round(TRAIN_SHARE * normal.size());
        int anomalousTrain = (int) Math.round(TRAIN_SHARE * anomalous.size());
        List<Integer> trainIndex = new ArrayList<>(normal.subList(0, normalTrain));
        trainIndex.addAll(anomalous.subList(0, anomalousTrain));
        List<Integer> testIndex = new ArrayList<>(normal.subList(normalTrain, normal.size()));
        testIndex.addAll(anomalous.subList(anomalousTrain, anomalous.size()));
        // Shuffled again (as ADBench's split does): files are often sorted by label, and a streaming
        // detector such as RCF would otherwise see every anomaly in one burst.
        shuffle(trainIndex, random);
        shuffle(testIndex, random);
        double[][] train = trainIndex.stream().map(i -> table.rows()[i]).toArray(double[][]::new);
        double[][] test = testIndex.stream().map(i -> table.rows()[i]).toArray(double[][]::new);
        int[] testLabels = testIndex.stream().mapToInt(i -> labels[i]).toArray();
        return new EvalDataset(stem(file), train, test, testLabels, null);
    }

    /** Parses an SMD interpretation-label file. */
    public static List<Metrics.Segment> interpretation(Path file) throws IOException {
        List<Metrics.Segment> segments = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                try {
                    segments.add(Metrics.Segment.parse(lines.get(i)));
                } catch (IllegalArgumentException e) {
                    throw new TabularFile.MalformedFileException(file + ":" + (i + 1) + ": " + e.getMessage());
                }
            }
        }
        return segments;
    }

    private static void shuffle(List<Integer> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            java.util.Collections.swap(list, i, random.nextInt(i + 1));
        }
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
