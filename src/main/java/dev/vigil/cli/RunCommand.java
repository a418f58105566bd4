package dev.vigil.cli;

import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.FeatureSpec;
import dev.vigil.service.VigilService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vigil run}: the service against a Kafka cluster, until Ctrl-C or SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run Vigil against a Kafka cluster (kafka.bootstrap.servers or --bootstrap-servers).")
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Properties file with vigil.* and kafka.* keys.")
    Path configFile;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Overrides kafka.bootstrap.servers.")
    String bootstrapServers;

    @Option(names = "--spec", paramLabel = "FILE", description = "Overrides vigil.feature.spec.")
    Path specFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one configuration key (repeatable).")
    Map<String, String> sets = new HashMap<>();

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new HashMap<>(sets);
        if (bootstrapServers != null) {
            overrides.put("kafka.bootstrap.servers", bootstrapServers);
        }
        if (specFile != null) {
            overrides.put(VigilConfig.FEATURE_SPEC, specFile.toString());
        }
        VigilConfig config = VigilConfig.load(configFile, System.getenv(), overrides);
        String specPath = config.getString(VigilConfig.FEATURE_SPEC);
        if (specPath == null) {
            throw new VigilCommand.UsageException(VigilConfig.FEATURE_SPEC + " is not set: give the feature spec file in the config or with --spec");
        }
        FeatureSpec spec = FeatureSpec.load(Path.of(specPath));
        try (VigilService service = new VigilService(config, spec)) {
            Signals.onTerminate(() -> service.streams().close(Duration.ZERO));
            service.start();
            Throwable failure = service.awaitStop(Duration.ofDays(365_000));
            return failure == null ? VigilCommand.EXIT_OK : VigilCommand.EXIT_FAILURE;
        }
    }
}
