package dev.vigil.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.eval.Detector;
import dev.vigil.eval.Detectors;
import dev.vigil.eval.EvalDataset;
import dev.vigil.eval.EvalDatasets;
import dev.vigil.eval.EvalResult;
import dev.vigil.eval.Evaluation;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import dev.vigil.ingest.ContextSettings;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.eval.VaeDetector;
import picocli.CommandLine.Spec;

/**
 * {@code vigil evaluate}: detection quality of Vigil and the baselines, side by side on the same
 * split. Results go to stdout (a table, or one flat JSON object per dataset and detector); progress
 * and errors go to stderr. Exit codes: 0 done, 2 bad usage, 1 failure while running.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {
            "Measure detection quality (AUROC, AUPRC, F1) of Vigil and baselines on labelled data.",
            "Inputs: one SMD machine (--train --test --labels [--interpretation]), a folder of SMD "
                    + "machines (--dataset-dir), or a labelled CSV / JSON-lines file split 70/30 (--csv)."},
        exitCodeOnInvalidInput = 2, exitCodeOnExecutionException = 1)
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--train", paramLabel = "FILE", description = "SMD layout: training rows (headerless CSV).")
    Path train;

    @Option(names = "--test", paramLabel = "FILE", description = "SMD layout: test rows (headerless CSV).")
    Path test;

    @Option(names = "--labels", paramLabel = "FILE", description = "SMD layout: one 0/1 label per test row.")
    Path labels;

    @Option(names = "--interpretation", paramLabel = "FILE",
            description = "SMD layout: interpretation labels (start-end:d1,d2,..., 1-based) for HitRate@3.")
    Path interpretation;

    @Option(names = "--dataset-dir", paramLabel = "DIR",
            description = "Every machine of a folder in SMD layout (train/, test/, test_label/, interpretation_label/).")
    Path datasetDir;

    @Option(names = "--csv", paramLabel = "FILE",
            description = "A labelled CSV or JSON-lines file; split 70/30 (stratified, seeded), training part unlabelled.")
    Path csv;

    @Option(names = "--label-column", paramLabel = "NAME", defaultValue = "label",
            description = "Label column of --csv (default: ${DEFAULT-VALUE}).")
    String labelColumn;

    @Option(names = "--detectors", paramLabel = "LIST", split = ",",
            description = "Comma list from vae, vae_iwae, pca, mahalanobis, rcf, iforest (and two diagnostics: zscore, the sum of "
                    + "squared z-scores, which is what the VAE reduces to when its latent code carries nothing; random, a "
                    + "sanity floor). Default: every available one but the diagnostics.")
    List<String> detectors;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "table or json (one flat JSON object per line per dataset and detector). Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the split and of seeded detectors (default: ${DEFAULT-VALUE}).")
    long seed;

    // No defaultValue: left out, the calibration is the configuration default's (vigil.alert.target.fpr).
    @Option(names = "--target-fpr", paramLabel = "RATE",
            description = "Target false-positive rate of Vigil's calibrated threshold (default: the default of "
                    + VigilConfig.TARGET_FPR + ", 0.001).")
    Double targetFpr;

    @Option(names = "--context",
            description = "Append context features (each row's distance from its recent level, runs of unchanged rows; "
                    + "see the feature spec's \"context\" block) to SMD-layout data, which is one machine in time order. "
                    + "Not for --csv: a labelled file is split at random, so its rows have no time order.")
    boolean context;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        List<String> names = validate();
        // The configuration's defaults only, not the environment: the numbers must not depend on the shell.
        CalibrationSettings calibration = VigilSettings.defaults().training().calibration();
        if (targetFpr != null) {
            calibration = calibration.withTargetFpr(targetFpr);
        }
        try {
            List<EvalDataset> datasets = load(err);
            if (format.equals("table")) {
                out.println(header());
            }
            int total = datasets.size() * names.size();
            int done = 0;
            for (EvalDataset dataset : datasets) {
                for (String name : names) {
                    Detector detector = switch (name) {
                        case "vae" -> new VaeDetector(VaeDetector.Score.ELBO, seed, calibration);
                        case "vae_iwae" -> new VaeDetector(VaeDetector.Score.IWAE, seed, calibration);
                        default -> Detectors.create(name, seed);
                    };
                    done++;
                    err.printf(Locale.ROOT, "evaluate [%d/%d] %s (%d train, %d test rows, %d features): %s ...%n",
                            done, total, dataset.name(), dataset.train().length, dataset.test().length,
                            dataset.features(), name);
                    err.flush();
                    EvalResult result = Evaluation.evaluate(dataset, detector);
                    out.println(format.equals("json") ? json(result) : row(result));
                    out.flush();
                }
            }
            if (format.equals("table")) {
                out.println("(*) point-adjusted F1 is inflated; only for comparison with published tables. Without a "
                        + "calibrated threshold, f1@thr and hit@3 use the best-F1 threshold, chosen on the test labels.");
            }
            return 0;
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            err.println("vigil evaluate: " + e.getMessage());
            return 1;
        }
    }

    private List<String> validate() {
        boolean smd = train != null || test != null || labels != null || interpretation != null;
        int inputs = (smd ? 1 : 0) + (datasetDir != null ? 1 : 0) + (csv != null ? 1 : 0);
        if (inputs != 1) {
            throw usage("give exactly one input: --train/--test/--labels, --dataset-dir or --csv");
        }
        if (smd && (train == null || test == null || labels == null)) {
            throw usage("the SMD layout needs all of --train, --test and --labels");
        }
        for (Path p : new Path[] {train, test, labels, interpretation, csv}) {
            if (p != null && !Files.isRegularFile(p)) {
                throw usage("no such file: " + p);
            }
        }
        if (datasetDir != null && !Files.isDirectory(datasetDir)) {
            throw usage("no such directory: " + datasetDir);
        }
        if (context && csv != null) {
            throw usage("--context needs rows in time order (the SMD layout); --csv is split at random");
        }
        if (targetFpr != null && !(targetFpr > 0 && targetFpr < 0.5)) {
            throw usage("--target-fpr must be in (0, 0.5), not " + targetFpr);
        }
        if (!format.equals("table") && !format.equals("json")) {
            throw usage("--format must be table or json, not '" + format + "'");
        }
        List<String> names = detectors == null ? Detectors.defaults()
                : new ArrayList<>(new LinkedHashSet<>(detectors.stream().map(String::strip).toList()));
        for (String name : names) {
            if (!Detectors.KNOWN.contains(name)) {
                throw usage("unknown detector '" + name + "' (known: " + String.join(", ", Detectors.KNOWN) + ")");
            }
            if (!Detectors.available(name)) {
                throw usage("detector '" + name + "' is not available yet");
            }
        }
        if (names.isEmpty()) {
            throw usage("no detectors to run");
        }
        return names;
    }

    private List<EvalDataset> load(PrintWriter err) throws IOException {
        err.println("evaluate: loading data ...");
        err.flush();
        if (csv != null) {
            return List.of(EvalDatasets.labelledFile(csv, labelColumn, seed));
        }
        List<EvalDataset> datasets = datasetDir != null
                ? EvalDatasets.smdDirectory(datasetDir)
                : List.of(EvalDatasets.smd(train, test, labels, interpretation));
        return context ? datasets.stream().map(d -> d.withContext(ContextSettings.defaults())).toList() : datasets;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static String json(EvalResult result) {
        try {
            return JSON.writeValueAsString(result.toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header() {
        return String.format(Locale.ROOT, "%-14s %-12s %7s %7s %7s %7s %8s %7s %7s %8s %8s",
                "dataset", "detector", "auroc", "auprc", "best_f1", "f1@thr", "pa_f1(*)", "fpr@thr", "hit@3",
                "train_s", "score_s");
    }

    private static String row(EvalResult r) {
        return String.format(Locale.ROOT, "%-14s %-12s %7s %7s %7s %7s %8s %7s %7s %8.2f %8.2f",
                r.dataset(), r.detector(), f(r.auroc()), f(r.auprc()), f(r.bestF1()), f(r.f1AtThreshold()),
                f(r.paF1()), f(r.fprAtThreshold()), f(r.hitRateAt3()), r.trainSeconds(), r.scoreSeconds());
    }

    private static String f(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
