package dev.vigil.cli;

import dev.vigil.config.VigilConfig;
import dev.vigil.config.VigilSettings;
import dev.vigil.ingest.FeatureSpec;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options every command that talks to a cluster shares: a config file and overrides. */
final class ConfigOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Properties file with vigil.* and kafka.* keys.")
    Path configFile;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Overrides kafka.bootstrap.servers.")
    String bootstrapServers;

    @Option(names = "--spec", paramLabel = "FILE", description = "Overrides vigil.feature.spec.")
    Path specFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides one configuration key (repeatable).")
    Map<String, String> sets = new HashMap<>();

    /** The file, then the environment, then the command line. */
    VigilConfig load() {
        Map<String, String> overrides = new HashMap<>(sets);
        if (bootstrapServers != null) {
            overrides.put("kafka.bootstrap.servers", bootstrapServers);
        }
        if (specFile != null) {
            overrides.put(VigilConfig.FEATURE_SPEC, specFile.toString());
        }
        return VigilConfig.load(configFile, System.getenv(), overrides);
    }

    /** The feature spec named by the config, or an error naming the key when there is none. */
    static FeatureSpec spec(VigilConfig config) {
        String path = VigilSettings.runtime(config).featureSpec();
        if (path == null) {
            throw new VigilCommand.UsageException(VigilConfig.FEATURE_SPEC + " is not set: give the feature spec file in the config or with --spec");
        }
        return FeatureSpec.load(Path.of(path));
    }
}
