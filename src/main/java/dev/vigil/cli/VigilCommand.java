package dev.vigil.cli;

import dev.vigil.ingest.InvalidFeatureSpecException;
import dev.vigil.ingest.TabularFile;
import dev.vigil.kafka.KafkaUnavailableException;
import java.io.PrintWriter;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code vigil}: the command-line entry point. Exit codes: 0 ok, 2 bad usage or bad
 * configuration (one line on stderr), 1 runtime failure. Logs go to stderr; stdout carries only
 * what a command is asked to print.
 */
@Command(name = "vigil",
        mixinStandardHelpOptions = true,
        versionProvider = VigilCommand.Version.class,
        description = "Streaming anomaly detection for Kafka: a variational autoencoder scores every record.",
        subcommands = {
                RunCommand.class,
                DemoCommand.class,
                BrokerCommand.class,
                GenerateCommand.class,
                TrainCommand.class,
                ScoreCommand.class,
                BacktestCommand.class,
                ModelCommand.class,
                EvaluateCommand.class,
                BenchCommand.class,
                ConfigCommand.class,
                SpecCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class VigilCommand implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see vigil --help)");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new VigilCommand());
        cli.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("vigil: " + e.getMessage() + " (try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler(VigilCommand::handleFailure);
        return cli;
    }

    /** What a command that threw prints on stderr, and its exit code. */
    static int handleFailure(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        // An unreachable cluster or a malformed data file is the user's to fix, as far as they can tell: one line, exit 2.
        if (e instanceof ConfigException || e instanceof InvalidFeatureSpecException || e instanceof UsageException
                || e instanceof KafkaUnavailableException || e instanceof TabularFile.MalformedFileException) {
            err.println("vigil: " + e.getMessage());
            return EXIT_USAGE;
        }
        AuthenticationException refused = authenticationFailure(e);
        if (refused != null) {
            // Not a bug, so no stack trace: wherever it surfaced (Admin, Streams' global thread ...), say why.
            err.println("vigil: the Kafka cluster refused the connection: " + refused.getMessage()
                    + " (check kafka.security.protocol, the kafka.sasl.* and kafka.ssl.* settings and the credentials they refer to)");
            return EXIT_FAILURE;
        }
        err.println("vigil: failed: " + e);
        e.printStackTrace(err);
        return EXIT_FAILURE;
    }

    /** The SASL or TLS authentication failure somewhere in {@code e}'s causes, or null. */
    private static AuthenticationException authenticationFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthenticationException authentication) {
                return authentication;
            }
        }
        return null;
    }

    /** Bad input from the user that picocli cannot see (a file that does not exist, a bad combination). */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = VigilCommand.class.getPackage().getImplementationVersion();
            return new String[] {"vigil " + (v == null ? "(development build)" : v)};
        }
    }
}
