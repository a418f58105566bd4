package dev.vigil.metrics;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor {@link HttpEndpoints} gives the JDK's HTTP server: every exchange on a thread of its
 * own, at most {@link #MAX_CONCURRENT} at once, each cut at the request timeout.
 *
 * <p>Why not the JDK server alone: it hands a connection to its executor as soon as the first byte
 * of a request arrives, and that executor thread then reads the request line and headers, blocking,
 * before it runs the handler. The server's only request timeout is the JVM-wide system property
 * {@code sun.net.httpserver.maxReqTime}, read once when the first server is created. So with a
 * small pool, two clients that never finish their headers held every thread and {@code /healthz}
 * waited for them.
 *
 * <p>Here a stalled request holds one thread of many, and only until its deadline: an exchange
 * still running then has its thread interrupted. The server reads and writes through a blocking
 * {@link java.nio.channels.SocketChannel}, an {@link java.nio.channels.InterruptibleChannel}: the
 * interrupt closes the connection and the exchange ends. The deadline counts from the first byte
 * of a request, so idle keep-alive connections hold no thread (the server's own idle timer closes
 * them). Beyond {@link #MAX_CONCURRENT} exchanges a new one is refused, which makes the server close
 * that connection at once rather than queue it behind stalled ones.
 */
final class ExchangeExecutor implements Executor, AutoCloseable {

    /** Exchanges served at once: probes and scrapes need a few; the rest is headroom for stalled clients. */
    static final int MAX_CONCURRENT = 16;

    private static final Logger LOG = LoggerFactory.getLogger(ExchangeExecutor.class);

    private final Duration timeout;
    private final ThreadPoolExecutor threads;
    private final ScheduledThreadPoolExecutor deadlines;

    /** @param timeout positive, checked by {@link HttpEndpoints.Settings} */
    ExchangeExecutor(Duration timeout) {
        this.timeout = timeout;
        // No queue: a thread per exchange up to the bound, idle threads kept for a minute.
        this.threads = new ThreadPoolExecutor(0, MAX_CONCURRENT, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemonThreads("vigil-http-"), (exchange, pool) -> {
                    LOG.warn("{} HTTP requests in progress; closing a new connection", MAX_CONCURRENT);
                    throw new RejectedExecutionException("too many HTTP requests in progress");
                });
        this.deadlines = new ScheduledThreadPoolExecutor(1, daemonThreads("vigil-http-deadline-"));
        // Nearly every deadline is cancelled: drop it from the queue then rather than when it would have fired.
        deadlines.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void execute(Runnable exchange) {
        threads.execute(new Deadlined(exchange));
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        threads.shutdownNow();
    }

    /** One exchange and the deadline that interrupts it. */
    private final class Deadlined implements Runnable {
        private final Runnable exchange;
        private Thread runner; // guarded by this: the deadline interrupts only while the exchange runs

        Deadlined(Runnable exchange) {
            this.exchange = exchange;
        }

        @Override
        public void run() {
            synchronized (this) {
                runner = Thread.currentThread();
            }
            ScheduledFuture<?> deadline = deadlines.schedule(this::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
            try {
                exchange.run();
            } finally {
                deadline.cancel(false);
                synchronized (this) {
                    runner = null;
                }
                // A deadline that fired as the exchange ended must not reach the next exchange on this thread.
                Thread.interrupted();
            }
        }

        private synchronized void expire() {
            if (runner != null) {
                LOG.info("An HTTP request was not read and answered within {} ms; closing its connection", timeout.toMillis());
                runner.interrupt();
            }
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
