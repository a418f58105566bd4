package dev.vigil.cli;

import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.model.ModelBundle;
import dev.vigil.model.ModelFormatException;
import dev.vigil.service.VigilService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code vigil run}: the service against a Kafka cluster, until Ctrl-C or SIGTERM. After either it
 * exits within {@code vigil.shutdown.timeout.ms} plus {@link Signals#HALT_GRACE}: 0 when it stopped
 * in order, 1 when it had to halt.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run Vigil against a Kafka cluster (kafka.bootstrap.servers or --bootstrap-servers).")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Option(names = "--model", paramLabel = "FILE",
            description = "A model trained offline (vigil train), published when the models topic has none: skips cold start.")
    Path model;

    @Override
    public Integer call() throws Exception {
        if (model != null) {
            options.sets.put(VigilConfig.MODEL_FILE, model.toString());
        }
        VigilConfig config = options.load();
        VigilSettings.Runtime runtime = VigilSettings.runtime(config);
        String modelFile = runtime.modelFile();
        if (modelFile != null) {
            // Before anything touches the cluster: a missing or corrupt model is one line, exit 2.
            try {
                ModelBundle.load(Path.of(modelFile), ConfigOptions.spec(config));
            } catch (ModelFormatException | java.io.UncheckedIOException e) {
                throw new VigilCommand.UsageException("--model: " + e.getMessage());
            }
        }
        try (VigilService service = new VigilService(config, ConfigOptions.spec(config))) {
            // The handler only wakes this thread: it must never wait for Kafka Streams' lock, which start()
            // holds for up to task.timeout.ms (5 min) while the global store waits for an unreachable broker.
            Signals.onTerminate(runtime.shutdownTimeout(), service::requestStop);
            service.start();
            Throwable failure = service.awaitStop(Duration.ofDays(365_000));
            return failure == null ? VigilCommand.EXIT_OK : VigilCommand.EXIT_FAILURE;
        }
    }
}
