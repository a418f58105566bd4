package dev.vigil.cli;

import dev.vigil.calibration.Calibration;
import dev.vigil.config.VigilConfig;
import dev.vigil.model.ModelBundle;
import dev.vigil.service.VigilService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vigil model list|publish|rollback}: operator commands on the models topic. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Inspect and change the models every instance scores with.",
        subcommands = {ModelCommand.ListCommand.class, ModelCommand.Publish.class, ModelCommand.Rollback.class})
final class ModelCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: list, publish or rollback");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The versions on the models topic, newest last.")
    static final class ListCommand implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() {
            VigilConfig config = options.load();
            Map<Long, ModelBundle> versions = VigilService.modelRegistry(config).versions(null);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-8s %-24s %10s %8s %12s %10s%n", "version", "created", "records", "epochs", "threshold", "bytes");
            versions.forEach((version, b) -> out.printf("%-8d %-24s %,10d %8d %12s %,10d%n", version, b.training().createdAt(),
                    b.training().records(), b.training().epochs(),
                    b.calibration().length == 0 ? "-" : String.format("%.4f", Calibration.fromBytes(b.calibration()).threshold()),
                    b.sizeBytes()));
            if (versions.isEmpty()) {
                out.println("(no models yet: cold start)");
            }
            out.flush();
            return VigilCommand.EXIT_OK;
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = "Publish a model trained offline (vigil train) as the newest version.")
    static final class Publish implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConfigOptions options;
        @Option(names = "--file", required = true, paramLabel = "MODEL", description = "The model bundle.")
        Path file;

        @Override
        public Integer call() {
            VigilConfig config = options.load();
            ModelBundle bundle = ModelBundle.load(file, ConfigOptions.spec(config));
            long version = VigilService.modelRegistry(config).publish(bundle);
            spec.commandLine().getOut().printf("published %s as model v%d%n", file, version);
            spec.commandLine().getOut().flush();
            return VigilCommand.EXIT_OK;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Republish an older version as the newest, so every instance scores with its weights again.")
    static final class Rollback implements java.util.concurrent.Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ConfigOptions options;
        @Option(names = "--to", required = true, paramLabel = "VERSION", description = "The version to return to.")
        long to;

        @Override
        public Integer call() {
            VigilConfig config = options.load();
            long version = VigilService.modelRegistry(config).rollback(to, ConfigOptions.spec(config));
            spec.commandLine().getOut().printf("republished model v%d as v%d%n", to, version);
            spec.commandLine().getOut().flush();
            return VigilCommand.EXIT_OK;
        }
    }
}
