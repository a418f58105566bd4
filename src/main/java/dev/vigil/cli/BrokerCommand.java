package dev.vigil.cli;

import dev.vigil.kafka.EmbeddedKafka;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code vigil broker}: the embedded single-node Kafka broker alone, in the foreground, for local
 * development with any Kafka client. Prints its bootstrap address as one line on stdout and runs
 * until interrupted (Ctrl-C or SIGTERM), then shuts the broker down cleanly and exits 0.
 */
@Command(name = "broker",
        mixinStandardHelpOptions = true,
        description = {
                "Run the embedded single-node Kafka broker (KRaft) in the foreground.",
                "Prints its bootstrap address on stdout; Ctrl-C stops it cleanly."})
public final class BrokerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "9092", paramLabel = "PORT",
            description = "Client port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Log directory, kept and reused by the next start; default: a temporary directory deleted on exit.")
    Path dir;

    private final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be between 0 and 65535, got " + port);
        }
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(dir, port, Map.of());
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("vigil broker: " + e.getMessage());
            return 1;
        }
        // Ctrl-C and SIGTERM end the wait below, so the broker closes on this thread and the exit code is 0
        // (a JVM ended by a signal through shutdown hooks alone would exit 130 or 143).
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        // Any other way out of the JVM still closes the broker cleanly.
        Thread hook = new Thread(kafka::close, "vigil-broker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        PrintWriter out = spec.commandLine().getOut();
        out.println(kafka.bootstrapServers());
        out.flush();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            kafka.close();
        }
        return 0;
    }

    /** Stops a running {@link #call()} as Ctrl-C would. */
    void stop() {
        stop.countDown();
    }

    /** Runs {@code broker} on its own: {@code java -cp ... dev.vigil.cli.BrokerCommand [--port P] [--dir D]}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BrokerCommand()).execute(args));
    }
}
