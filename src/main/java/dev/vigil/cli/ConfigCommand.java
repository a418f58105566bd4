package dev.vigil.cli;

import dev.vigil.config.VigilConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code vigil config docs}: the configuration reference, generated from the ConfigDef. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Configuration tools.",
        subcommands = ConfigCommand.Docs.class)
final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: docs");
    }

    @Command(name = "docs", mixinStandardHelpOptions = true,
            description = "Print the configuration reference (every vigil.* key) as Markdown.")
    static final class Docs implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().getOut().print(VigilConfig.markdownTable());
            spec.commandLine().getOut().flush();
        }
    }
}
