package dev.vigil.cli;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Ctrl-C and SIGTERM run an action (typically: stop waiting) so a command can shut down in order and exit 0. */
final class Signals {

    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    /** Time after the shutdown timeout for the HTTP server and the models to close before the JVM is halted. */
    static final Duration HALT_GRACE = Duration.ofSeconds(3);

    private Signals() {
    }

    @SuppressWarnings("sunapi")
    static void onTerminate(Runnable action) {
        Signal.handle(new Signal("INT"), s -> action.run());
        Signal.handle(new Signal("TERM"), s -> action.run());
    }

    /**
     * Ctrl-C and SIGTERM log that they arrived and run {@code action}, which must not block (it
     * should only ask the main thread to stop). Whatever the main thread is stuck in, the JVM
     * halts with exit code 1 once {@code shutdownTimeout} plus {@link #HALT_GRACE} have passed.
     */
    @SuppressWarnings("sunapi")
    static void onTerminate(Duration shutdownTimeout, Runnable action) {
        AtomicBoolean received = new AtomicBoolean();
        SignalHandler handler = s -> {
            if (!received.compareAndSet(false, true)) {
                return; // a second Ctrl-C changes nothing: the deadline of the first stands
            }
            LOG.info("received SIG{}, shutting down (timeout {} ms)", s.getName(), shutdownTimeout.toMillis());
            Duration deadline = shutdownTimeout.plus(HALT_GRACE);
            Thread halter = new Thread(() -> haltAfter(deadline, s.getName()), "vigil-shutdown-deadline");
            halter.setDaemon(true);
            halter.start();
            action.run();
        };
        Signal.handle(new Signal("INT"), handler);
        Signal.handle(new Signal("TERM"), handler);
    }

    private static void haltAfter(Duration deadline, String signal) {
        try {
            Thread.sleep(deadline.toMillis());
        } catch (InterruptedException e) {
            return;
        }
        // E.g. KafkaStreams.start() holds the client's lock for up to task.timeout.ms while its global
        // store waits for an unreachable broker, and close() cannot run before it returns.
        LOG.error("Vigil did not stop within {} ms of SIG{}; halting without finishing the shutdown", deadline.toMillis(), signal);
        Runtime.getRuntime().halt(VigilCommand.EXIT_FAILURE);
    }
}
