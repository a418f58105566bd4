package dev.vigil.cli;

import sun.misc.Signal;

/** Ctrl-C and SIGTERM run an action (typically: stop waiting) so a command can shut down in order and exit 0. */
final class Signals {
    private Signals() {
    }

    @SuppressWarnings("sunapi")
    static void onTerminate(Runnable action) {
        Signal.handle(new Signal("INT"), s -> action.run());
        Signal.handle(new Signal("TERM"), s -> action.run());
    }
}
