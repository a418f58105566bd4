package dev.vigil.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The detectors {@code vigil evaluate} knows by name: Vigil's VAE ({@code vae} scores -ELBO,
 * {@code vae_iwae} the IWAE estimate) and the baselines. {@link #register} adds or replaces one.
 */
public final class Detectors {

    /** Every name the command accepts, in report order. */
    public static final List<String> KNOWN = List.of("vae", "vae_iwae", "pca", "mahalanobis", "rcf", "iforest", "zscore", "random");

    /** Known but not run by default: a floor and a measure of what the VAE's latent code adds. */
    private static final List<String> DIAGNOSTICS = List.of("zscore", "random");

    private static final Map<String, LongFunction<Detector>> AVAILABLE = new LinkedHashMap<>();

    static {
        AVAILABLE.put("vae", seed -> new VaeDetector(VaeDetector.Score.ELBO, seed));
        AVAILABLE.put("vae_iwae", seed -> new VaeDetector(VaeDetector.Score.IWAE, seed));
        AVAILABLE.put("pca", seed -> new PcaDetector());
        AVAILABLE.put("mahalanobis", seed -> new MahalanobisDetector());
        AVAILABLE.put("rcf", RcfDetector::new);
        AVAILABLE.put("iforest", IsolationForestDetector::new);
        AVAILABLE.put("zscore", seed -> new ZScoreDetector());
        AVAILABLE.put("random", RandomDetector::new);
    }

    private Detectors() {
    }

    /** Makes {@code name} available, built from the run's seed. */
    public static synchronized void register(String name, LongFunction<Detector> factory) {
        AVAILABLE.put(name, factory);
    }

    /** Whether {@code name} can be built now. */
    public static synchronized boolean available(String name) {
        return AVAILABLE.containsKey(name);
    }

    /**
     * The default set: every available detector of {@link #KNOWN} except the {@code random}
     * sanity baseline and the {@code zscore} diagnostic, in {@link #KNOWN} order.
     */
    public static synchronized List<String> defaults() {
        return KNOWN.stream().filter(n -> !DIAGNOSTICS.contains(n) && AVAILABLE.containsKey(n)).toList();
    }

    /** A new detector; {@link IllegalArgumentException} when {@code name} is unknown or not available. */
    public static synchronized Detector create(String name, long seed) {
        LongFunction<Detector> factory = AVAILABLE.get(name);
        if (factory == null) {
            throw new IllegalArgumentException(KNOWN.contains(name)
                    ? "detector '" + name + "' is not available yet"
                    : "unknown detector '" + name + "' (known: " + String.join(", ", KNOWN) + ")");
        }
        return factory.apply(seed);
    }
}
