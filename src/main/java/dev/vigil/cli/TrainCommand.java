package dev.vigil.cli;

import dev.vigil.calibration.Calibration;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.TabularFile;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.VaeConfig;
import dev.vigil.train.ModelTrainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil train}: trains and calibrates a model offline from a CSV or JSON-lines file. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train and calibrate a model offline from CSV (with or without header) or JSON lines.",
                "Progress goes to stderr, a summary to stdout. Load the result with `vigil run --set vigil.model.file=MODEL`."})
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training data: normal traffic, CSV or JSON lines.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "MODEL", description = "Where to write the model bundle.")
    Path out;

    @Option(names = "--spec", paramLabel = "SPEC", description = "Feature spec (JSON); default: every column numeric.")
    Path specFile;

    @Option(names = "--epochs", paramLabel = "N", description = "Maximum epochs (default: the model's default, with early stopping).")
    Integer epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of training and scoring noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--target-fpr", defaultValue = "1e-3", description = "Target false-positive rate of the threshold (default: ${DEFAULT-VALUE}).")
    double targetFpr;

    @Option(names = "--threads", defaultValue = "1", description = "TensorFlow threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(data)) {
            throw new VigilCommand.UsageException("cannot read --data " + data);
        }
        FeatureSpec spec = specFile == null ? null : FeatureSpec.load(specFile);
        TabularFile.Table table = TabularFile.read(data, spec, null);
        PrintWriter err = command.commandLine().getErr();
        err.printf("vigil train: %,d records, %d features from %s%n", table.size(), table.spec().size(), data);
        if (table.size() < ModelTrainer.MIN_ROWS) {
            throw new VigilCommand.UsageException("--data has " + table.size() + " records; a model needs at least "
                    + ModelTrainer.MIN_ROWS + " to train and calibrate");
        }
        VaeConfig config = VaeConfig.defaults(table.spec()).withSeed(seed).withThreads(threads);
        if (epochs != null) {
            config = config.withEpochs(epochs);
        }
        long start = System.nanoTime();
        ModelTrainer.Trained trained = ModelTrainer.train(table.spec(), table.rows(), config,
                CalibrationSettings.defaults().withTargetFpr(targetFpr),
                (epoch, train, validation, seconds) -> {
                    err.printf("epoch %3d  train %10.4f  validation %10.4f  %6.1fs%n", epoch, train, validation, seconds);
                    err.flush();
                });
        ModelBundle bundle = trained.bundle();
        bundle.save(out);
        Calibration calibration = Calibration.fromBytes(bundle.calibration());
        PrintWriter stdout = command.commandLine().getOut();
        stdout.printf("model        %s (%,d bytes, %,d parameters)%n", out, bundle.sizeBytes(), bundle.parameterCount());
        stdout.printf("records      %,d trained, %,d validation, %s%n", bundle.training().records(),
                bundle.training().validationRecords(), trained.heldOut().length > 0
                        ? String.format("%,d held out for calibration", trained.heldOut().length)
                        : "calibration cross-fitted over 5 folds (fewer than " + ModelTrainer.CROSS_FIT_ROWS + " rows)");
        stdout.printf("epochs       %d (best %d), %.1f s%n", bundle.training().epochs(), bundle.training().bestEpoch(),
                (System.nanoTime() - start) / 1e9);
        stdout.printf("threshold    %.4f nats for a false-positive rate of %g%n", calibration.threshold(), calibration.targetFpr());
        stdout.flush();
        return VigilCommand.EXIT_OK;
    }
}
