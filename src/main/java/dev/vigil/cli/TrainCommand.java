package dev.vigil.cli;

import dev.vigil.calibration.Calibration;
import dev.vigil.calibration.CalibrationSettings;
import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.ingest.TabularFile;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.VaeConfig;
import dev.vigil.train.ModelTrainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vigil train}: trains and calibrates a model offline from a CSV or JSON-lines file, as the
 * service's rolling window would: the epochs, seed, threads, target rate and drift come from the
 * configuration ({@code --config}, the environment, {@code --set}) unless an option gives them.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train and calibrate a model offline from CSV (with or without header) or JSON lines.",
                "Trains as `vigil run` would with the same configuration (--config, VIGIL_* variables, --set); "
                        + "--epochs, --seed, --target-fpr and --threads override it.",
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

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Properties file of `vigil run`: its vigil.train.epochs, vigil.train.seed, vigil.train.threads, "
                    + "vigil.alert.target.fpr and vigil.alert.drift.* apply (the feature spec comes from --spec only).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one configuration key (repeatable).")
    Map<String, String> sets = new HashMap<>();

    // No defaultValue: an option left out falls back to the configuration, whose defaults are the ConfigDef's.
    @Option(names = "--epochs", paramLabel = "N",
            description = "Maximum epochs, with early stopping (default: " + VigilConfig.TRAIN_EPOCHS + ", 100 unless configured).")
    Integer epochs;

    @Option(names = "--seed", paramLabel = "N",
            description = "Seed of training and scoring noise (default: " + VigilConfig.TRAIN_SEED + ", 42 unless configured).")
    Long seed;

    @Option(names = "--target-fpr", paramLabel = "RATE",
            description = "Target false-positive rate of the threshold (default: " + VigilConfig.TARGET_FPR + ", 0.001 unless configured).")
    Double targetFpr;

    @Option(names = "--threads", paramLabel = "N",
            description = "TensorFlow threads (default: " + VigilConfig.TRAIN_THREADS + ", 1 unless configured).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(data)) {
            throw new VigilCommand.UsageException("cannot read --data " + data);
        }
        VigilSettings.Training training = VigilSettings.from(VigilConfig.load(configFile, System.getenv(), sets)).training();
        FeatureSpec spec = specFile == null ? null : FeatureSpec.load(specFile);
        TabularFile.Table table = TabularFile.read(data, spec, null);
        PrintWriter err = command.commandLine().getErr();
        err.printf("vigil train: %,d records, %d features from %s%n", table.size(), table.spec().size(), data);
        if (table.size() < ModelTrainer.MIN_ROWS) {
            throw new VigilCommand.UsageException("--data has " + table.size() + " records; a model needs at least "
                    + ModelTrainer.MIN_ROWS + " to train and calibrate");
        }
        VaeConfig config = training.vae(table.spec());
        if (epochs != null) {
            config = config.withEpochs(epochs);
        }
        if (seed != null) {
            config = config.withSeed(seed);
        }
        if (threads != null) {
            config = config.withThreads(threads);
        }
        CalibrationSettings calibrationSettings = targetFpr == null ? training.calibration()
                : training.calibration().withTargetFpr(targetFpr);
        long start = System.nanoTime();
        ModelTrainer.Trained trained = ModelTrainer.train(table.spec(), table.modelRows(), config, calibrationSettings,
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
