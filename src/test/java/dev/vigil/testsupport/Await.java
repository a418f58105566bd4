package dev.vigil.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Waits for a condition by polling it, so tests wait exactly as long as needed instead of sleeping. */
public final class Await {

    private static final long POLL_MS = 50;

    private Await() {
    }

    /** Polls {@code condition} until it holds; fails with {@code description} after {@code timeout}. */
    public static void until(String description, Duration timeout, BooleanSupplier condition) {
        until(description, timeout, condition::getAsBoolean, Boolean::booleanValue);
    }

    /**
     * Polls {@code supplier} until its value satisfies {@code accept} and returns that value. An
     * exception from the supplier counts as "not yet" and is reported if time runs out.
     */
    public static <T> T until(String description, Duration timeout, Callable<T> supplier, Predicate<? super T> accept) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        Exception lastError = null;
        while (true) {
            try {
                last = supplier.call();
                lastError = null;
                if (accept.test(last)) {
                    return last;
                }
            } catch (Exception e) {
                lastError = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError failure = new AssertionError("Timed out after " + timeout.toMillis() + " ms waiting for "
                        + description + (lastError == null ? "; last value: " + last : "; last error: " + lastError));
                if (lastError != null) {
                    failure.initCause(lastError);
                }
                throw failure;
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for " + description, e);
            }
        }
    }
}
