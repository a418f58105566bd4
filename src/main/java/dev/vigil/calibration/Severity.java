package dev.vigil.calibration;

/**
 * How surprising a score is, in decades of rarity beyond the target false-positive rate.
 *
 * <p>With {@code d = -log10(p) + log10(targetFpr)}, the number of factors of ten by which the
 * p-value is rarer than the alert rate:
 *
 * <pre>
 *   severity   d             p-value, target 1e-3     normal records reaching it
 *   NONE       d &lt; 0         p &gt; 1e-3                more than 1 in 1,000
 *   LOW        0 &lt;= d &lt; 1    1e-4 &lt; p &lt;= 1e-3         1 in 1,000 .. 1 in 10,000
 *   MEDIUM     1 &lt;= d &lt; 2    1e-5 &lt; p &lt;= 1e-4         .. 1 in 100,000
 *   HIGH       2 &lt;= d &lt; 3    1e-6 &lt; p &lt;= 1e-5         .. 1 in 1,000,000
 *   CRITICAL   d &gt;= 3        p &lt;= 1e-6                1 in a million or rarer
 * </pre>
 *
 * <p>Tying the bands to the target keeps their meaning when a user changes sensitivity: a score
 * above the calibrated threshold has a p-value of at most the target and so is always at least
 * {@code LOW}, and {@code CRITICAL} always means a thousand times rarer than an ordinary alert.
 * Severity never increases with the p-value.
 */
public enum Severity {
    NONE, LOW, MEDIUM, HIGH, CRITICAL;

    /** Relative slack so that the p-value of the threshold itself, up to rounding, counts as LOW. */
    private static final double ROUNDING = 1e-9;

    /** The severity of {@code pValue} for a calibration with target rate {@code targetFpr}. */
    public static Severity of(double pValue, double targetFpr) {
        if (!(pValue >= 0 && pValue <= 1)) {
            throw new IllegalArgumentException("p-value must be in [0, 1], got " + pValue);
        }
        if (!(targetFpr > 0 && targetFpr < 1)) {
            throw new IllegalArgumentException("target rate must be in (0, 1), got " + targetFpr);
        }
        double bound = targetFpr * (1 + ROUNDING);
        for (Severity severity : new Severity[] {NONE, LOW, MEDIUM, HIGH}) {
            if (pValue > bound) {
                return severity;
            }
            bound /= 10;
        }
        return CRITICAL;
    }

    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** The name on the wire (alerts, scores, CSV, metric labels): lower case, e.g. {@code "high"}. */
    public String label() {
        return label;
    }

    /** Whether this severity is at least {@code other}. */
    public boolean atLeast(Severity other) {
        return compareTo(other) >= 0;
    }
}
