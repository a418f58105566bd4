package dev.vigil.context;

import dev.vigil.ingest.FeatureSpec;

/**
 * Derives a record's context features from its entity's {@link EntityState} and updates the
 * state: the one implementation behind the stream ({@code ContextProcessor}) and the offline
 * commands ({@link ContextTracker}), so both give the same numbers for the same sequence.
 *
 * <p>For a spec with a {@code "context"} block, the model's input is the record's own features
 * followed by (see {@link FeatureSpec#modelInput()}):
 * <ul>
 *   <li>{@code <numeric>~level}: how far the value is from the entity's recent level, in the
 *       entity's own recent spread: z = (x - mean) / sd of an exponentially weighted mean and
 *       variance, where sd is never less than the smallest step the feature has taken (else a
 *       feature that sat still and then moved by one step is a billion spreads away, as in normal
 *       SMD data), compressed beyond {@value #WINSOR} spreads ({@link #compress}: linear
 *       within, logarithmic beyond);</li>
 *   <li>{@code <categorical>~changed}: 1 when the value differs from both of the entity's last two
 *       values (a one-record flip is caught, and the record after it, back to normal, is not);</li>
 *   <li>{@code record~unchanged}: log of how many records in a row the entity sent with exactly the
 *       same values (0 for a record that differs from the previous one).</li>
 * </ul>
 * The first {@value #WARM_UP} records of an entity get level 0: too few to know its spread. A
 * spread from n values is often a fraction of the true one (z follows a Student t with n - 1
 * degrees of freedom, whose tails are far heavier than a normal's for small n): with 4 values, an
 * entity's 5th to 12th normal records of demo traffic sat up to 19 spreads off their level, which
 * made every new entity's first records look anomalous and, in a cold start's calibration rows,
 * raised the threshold at random. The
 * level's statistics take each value winsorized at {@value #WINSOR} spreads, so one spike does not
 * make the next normal records look odd; a lasting shift is followed within a few half-lives.
 *
 * <p>Records are taken in arrival order: a record older in event time than the entity's last one
 * gets its context like any other, but does not move the entity's clock back (its gap is not
 * counted). Thread-confined: one instance per stream task or offline pass.
 */
public final class ContextFeatures {

    static final int WARM_UP = 16;
    static final double WINSOR = 4;

    private final int features;
    private final int[] numeric;
    private final int[] categorical;
    private final double alpha;
    private final int width;

    public ContextFeatures(FeatureSpec spec) {
        if (!spec.hasContext()) {
            throw new IllegalArgumentException("the feature spec has no context block");
        }
        features = spec.size();
        numeric = java.util.stream.IntStream.range(0, features).filter(j -> spec.feature(j).isNumeric()).toArray();
        categorical = java.util.stream.IntStream.range(0, features).filter(j -> !spec.feature(j).isNumeric()).toArray();
        alpha = 1 - Math.pow(2, -1.0 / spec.context().halfLife());
        width = spec.modelInput().size();
    }

    /** The state of an entity not seen before. */
    public EntityState newState() {
        return new EntityState(numeric.length, features, categorical.length);
    }

    /** Number of values in an enriched row: the record's features and the context features. */
    public int width() {
        return width;
    }

    /**
     * The record's model input (its features, then the context features) given what came before
     * it, and the state updated with it.
     */
    public double[] apply(EntityState state, double[] row, long eventTime) {
        double[] enriched = derive(state, row);
        update(state, row, eventTime);
        return enriched;
    }

    /**
     * The record's model input against {@code state} as it is, without updating it: what a record
     * replayed under at-least-once gets, whose update is already in the state.
     */
    public double[] derive(EntityState state, double[] row) {
        if (row.length != features) {
            throw new IllegalArgumentException("record has " + row.length + " features, the spec " + features);
        }
        double[] out = java.util.Arrays.copyOf(row, width);
        int k = features;
        for (int i = 0; i < numeric.length; i++) {
            out[k++] = level(state, i, row[numeric[i]]);
        }
        for (int i = 0; i < categorical.length; i++) {
            double x = row[categorical[i]];
            boolean changed = state.count >= 2 && !Double.isNaN(x) && !Double.isNaN(state.last[categorical[i]])
                    && x != state.last[categorical[i]] && x != state.beforeLast[i];
            out[k++] = changed ? 1 : 0;
        }
        out[k] = Math.log(run(state, row));
        return out;
    }

    private double level(EntityState state, int i, double x) {
        if (state.count < WARM_UP || Double.isNaN(x)) {
            return 0;
        }
        double spread = spread(state, i);
        if (spread == 0) {
            return 0;
        }
        return compress((x - state.mean[i]) / spread);
    }

    /**
     * z itself within {@value #WINSOR} spreads (the values the level follows), growing with the log
     * of z beyond: 30 spreads is 12.1, a million is 53.8. Linear where a jump is told from noise;
     * logarithmic where normal SMD data has its rare wild values, so those do not dwarf the rest.
     */
    static double compress(double z) {
        double size = Math.abs(z);
        return size <= WINSOR ? z : Math.copySign(WINSOR * (1 + Math.log(size / WINSOR)), z);
    }

    /** The z of a compressed level: the inverse of {@link #compress}. */
    public static double spreads(double level) {
        double size = Math.abs(level);
        return size <= WINSOR ? level : Math.copySign(WINSOR * Math.exp(size / WINSOR - 1), level);
    }

    /**
     * The recent standard deviation, but never less than the smallest step the feature has taken:
     * a value that sat still and then moved by one step is one spread away, not a billion. 0 for a
     * feature that never moved.
     */
    private static double spread(EntityState state, int i) {
        double step = state.step[i];
        return Math.max(Math.sqrt(state.variance[i]), Double.isInfinite(step) ? 0 : step);
    }

    private static int run(EntityState state, double[] row) {
        if (state.count == 0) {
            return 1;
        }
        for (int j = 0; j < row.length; j++) {
            if (Double.compare(row[j], state.last[j]) != 0) {
                return 1;
            }
        }
        return state.run + 1;
    }

    private void update(EntityState state, double[] row, long eventTime) {
        state.run = run(state, row);
        for (int i = 0; i < numeric.length; i++) {
            double x = row[numeric[i]];
            if (Double.isNaN(x)) {
                continue;
            }
            double previous = state.last[numeric[i]];
            double step = Math.abs(x - previous);
            if (step > 0 && step < state.step[i]) {
                state.step[i] = step; // NaN (no previous value) compares false
            }
            if (state.count < WARM_UP) {
                // Plain running mean and variance until the exponential weights have something to weigh.
                double n = state.count + 1;
                double delta = x - state.mean[i];
                state.mean[i] += delta / n;
                state.variance[i] += (delta * (x - state.mean[i]) - state.variance[i]) / n;
            } else {
                double bound = WINSOR * spread(state, i);
                double clipped = bound == 0 ? x : Math.max(state.mean[i] - bound, Math.min(state.mean[i] + bound, x));
                double delta = clipped - state.mean[i];
                state.mean[i] += alpha * delta;
                state.variance[i] = (1 - alpha) * (state.variance[i] + alpha * delta * delta);
            }
        }
        for (int i = 0; i < categorical.length; i++) {
            state.beforeLast[i] = state.last[categorical[i]];
        }
        System.arraycopy(row, 0, state.last, 0, row.length);
        if (state.lastEventTime != Long.MIN_VALUE && eventTime > state.lastEventTime) {
            double logGap = Math.log(eventTime - state.lastEventTime);
            if (state.gapCount == 0) {
                state.logGapMean = logGap;
                state.logGapDeviation = 0;
            } else {
                // A plain running mean until the exponential weights are the lighter ones: an average
                // that starts at 0 and moves at the exponential pace would call an irregular entity
                // regular for its first few dozen gaps.
                double deviationWeight = Math.max(alpha, 1.0 / state.gapCount);
                state.logGapDeviation += deviationWeight * (Math.abs(logGap - state.logGapMean) - state.logGapDeviation);
                state.logGapMean += Math.max(alpha, 1.0 / (state.gapCount + 1)) * (logGap - state.logGapMean);
            }
            state.gapCount++;
        }
        state.lastEventTime = Math.max(state.lastEventTime, eventTime);
        state.count++;
    }
}
