package dev.vigil.model;

import dev.vigil.ingest.FeatureSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A trained model as immutable plain data (no native resources): feature spec, configuration,
 * normalization, named weights, training metadata, the published version and an opaque
 * calibration section. It travels as bytes ({@link #toBytes}) on the models topic and in files.
 *
 * <p>Byte layout (big-endian): magic {@code "VGLM"}, format version (int), body length (int),
 * body, CRC32 of everything before it (int). The body is a sequence of sections, each a tag
 * (modified UTF-8), a length (int) and that many bytes; readers skip sections they do not know.
 * The envelope is checked before the format version, so a flipped byte is reported as corruption
 * and a well-formed bundle from a newer Vigil as a newer format. Format 2 adds the likelihood
 * (decoder variance, Student-t degrees of freedom), trimming and the encoder's asinh input to the
 * config section, format 3 the ceiling on the decoder's log-variance, and format 4 the bound of a
 * per-record variance over its feature's fitted one; a format 1 bundle reads as the
 * per-record-variance Gaussian model it was trained as, and older bundles read without the
 * settings they predate, so they keep scoring the same.
 */
public final class ModelBundle {

    /** The bundle format this code writes and the newest it reads. */
    public static final int FORMAT_VERSION = 4;

    private static final byte[] MAGIC = {'V', 'G', 'L', 'M'};
    private static final int HEADER = 12;
    private static final int TRAILER = 4;

    /** One weight tensor: its shape and its values in row-major order. */
    public record Weight(int[] shape, float[] values) {
        public Weight {
            shape = shape.clone();
            values = values.clone();
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + values.length + " values");
            }
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        @Override
        public float[] values() {
            return values.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Weight w && Arrays.equals(shape, w.shape) && Arrays.equals(values, w.values);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Weight" + Arrays.toString(shape);
        }
    }

    private final FeatureSpec spec;
    private final VaeConfig config;
    private final Normalization normalization;
    private final Map<String, Weight> weights;
    private final TrainingInfo training;
    private final long version;
    private final byte[] calibration;

    public ModelBundle(FeatureSpec spec, VaeConfig config, Normalization normalization, Map<String, Weight> weights,
                       TrainingInfo training, long version, byte[] calibration) {
        if (spec == null || config == null || normalization == null || weights == null || training == null) {
            throw new IllegalArgumentException("spec, config, normalization, weights and training are required");
        }
        if (normalization.center().length != spec.modelInput().size()) {
            throw new IllegalArgumentException("normalization has " + normalization.center().length
                    + " features, the spec " + spec.modelInput().size());
        }
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0");
        }
        this.spec = spec;
        this.config = config;
        this.normalization = normalization;
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        this.training = training;
        this.version = version;
        this.calibration = calibration == null ? new byte[0] : calibration.clone();
    }

    public FeatureSpec spec() { return spec; }
    public VaeConfig config() { return config; }
    public Normalization normalization() { return normalization; }
    /** Weights by name, in graph order. */
    public Map<String, Weight> weights() { return weights; }
    public TrainingInfo training() { return training; }
    /** The published model version; 0 until the trainer publishes it. */
    public long version() { return version; }
    /** The calibration section as written by the calibration package; empty when there is none. */
    public byte[] calibration() { return calibration.clone(); }

    public ModelBundle withVersion(long newVersion) {
        return new ModelBundle(spec, config, normalization, weights, training, newVersion, calibration);
    }

    public ModelBundle withCalibration(byte[] newCalibration) {
        return new ModelBundle(spec, config, normalization, weights, training, version, newCalibration);
    }

    /** Number of trainable parameters. */
    public long parameterCount() {
        return weights.values().stream().mapToLong(w -> w.values.length).sum();
    }

    /** Size of {@link #toBytes()}. */
    public int sizeBytes() {
        return toBytes().length;
    }

    // ---------------------------------------------------------------- writing

    public byte[] toBytes() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(body)) {
            section(out, "meta", s -> {
                s.writeLong(version);
                s.writeUTF(spec.fingerprint());
            });
            section(out, "spec", s -> s.write(spec.toJson().getBytes(StandardCharsets.UTF_8)));
            section(out, "config", s -> writeConfig(s, config));
            section(out, "normalization", s -> {
                int width = spec.modelInput().size();
                s.writeInt(width);
                for (int j = 0; j < width; j++) {
                    s.writeDouble(normalization.center(j));
                    s.writeDouble(normalization.scale(j));
                }
            });
            section(out, "weights", s -> {
                s.writeInt(weights.size());
                for (Map.Entry<String, Weight> e : weights.entrySet()) {
                    s.writeUTF(e.getKey());
                    s.writeInt(e.getValue().shape.length);
                    for (int d : e.getValue().shape) {
                        s.writeInt(d);
                    }
                    for (float v : e.getValue().values) {
                        s.writeFloat(v);
                    }
                }
            });
            section(out, "training", s -> writeTraining(s, training));
            section(out, "calibration", s -> s.write(calibration));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] b = body.toByteArray();
        ByteBuffer all = ByteBuffer.allocate(HEADER + b.length + TRAILER);
        all.put(MAGIC).putInt(FORMAT_VERSION).putInt(b.length).put(b);
        CRC32 crc = new CRC32();
        crc.update(all.array(), 0, HEADER + b.length);
        all.putInt((int) crc.getValue());
        return all.array();
    }

    /** Writes atomically: a temporary file in the same directory, then a rename. */
    public void save(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            Files.write(tmp, toBytes());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model bundle " + file, e);
        }
    }

    private interface SectionWriter {
        void write(DataOutputStream out) throws IOException;
    }

    private static void section(DataOutputStream out, String tag, SectionWriter writer) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream s = new DataOutputStream(buffer)) {
            writer.write(s);
        }
        out.writeUTF(tag);
        out.writeInt(buffer.size());
        buffer.writeTo(out);
    }

    private static void writeConfig(DataOutputStream s, VaeConfig c) throws IOException {
        s.writeInt(c.hiddenSizes().size());
        for (int h : c.hiddenSizes()) {
            s.writeInt(h);
        }
        s.writeInt(c.latentSize());
        s.writeUTF(c.activation());
        s.writeInt(c.epochs());
        s.writeInt(c.batchSize());
        s.writeDouble(c.learningRate());
        s.writeDouble(c.validationFraction());
        s.writeInt(c.patience());
        s.writeInt(c.klWarmupEpochs());
        s.writeDouble(c.gradientClipNorm());
        s.writeLong(c.seed());
        s.writeInt(c.samples());
        s.writeInt(c.iwaeSamples());
        s.writeDouble(c.logVarFloor());
        s.writeInt(c.threads());
        // Format 2: the likelihood and the trimming.
        s.writeUTF(c.decoderVariance().name());
        s.writeDouble(c.studentDof());
        s.writeDouble(c.trimMaxShare());
        s.writeDouble(c.trimFenceIqr());
        s.writeBoolean(c.asinhEncoderInput());
        // Format 3: the log-variance ceiling.
        s.writeDouble(c.logVarCeiling());
        // Format 4: the bound of a per-record variance over its feature's fitted one.
        s.writeDouble(c.recordLogVarMargin());
    }

    private static void writeTraining(DataOutputStream s, TrainingInfo t) throws IOException {
        s.writeInt(t.records());
        s.writeInt(t.validationRecords());
        s.writeInt(t.epochs());
        s.writeInt(t.bestEpoch());
        writeDoubles(s, t.trainLoss());
        writeDoubles(s, t.validationLoss());
        s.writeDouble(t.seconds());
        s.writeLong(t.seed());
        s.writeLong(t.createdAt().getEpochSecond());
        s.writeInt(t.createdAt().getNano());
    }

    private static void writeDoubles(DataOutputStream s, List<Double> values) throws IOException {
        s.writeInt(values.size());
        for (double v : values) {
            s.writeDouble(v);
        }
    }

    // ---------------------------------------------------------------- reading

    public static ModelBundle load(Path file, FeatureSpec expected) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException("model bundle not found: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model bundle " + file, e);
        }
        try {
            return fromBytes(bytes, expected);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a bundle and, when {@code expected} is not null, checks that it was trained for that
     * feature spec (same fingerprint).
     *
     * @throws ModelFormatException if the bytes are not a bundle, are truncated or corrupted, use
     *                              a newer or unknown format version, or belong to another spec
     */
    public static ModelBundle fromBytes(byte[] bytes, FeatureSpec expected) {
        if (bytes == null || bytes.length < HEADER + TRAILER) {
            throw new ModelFormatException("not a model bundle: only " + (bytes == null ? 0 : bytes.length) + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[4];
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new ModelFormatException("not a Vigil model bundle (bad magic bytes)");
        }
        int format = buf.getInt();
        int bodyLength = buf.getInt();
        if (bodyLength < 0 || (long) HEADER + bodyLength + TRAILER != bytes.length) {
            throw new ModelFormatException("model bundle is truncated or corrupted: header announces "
                    + bodyLength + " body bytes, found " + (bytes.length - HEADER - TRAILER));
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, HEADER + bodyLength);
        int stored = ByteBuffer.wrap(bytes, HEADER + bodyLength, TRAILER).getInt();
        if (stored != (int) crc.getValue()) {
            throw new ModelFormatException("model bundle is corrupted: CRC32 checksum mismatch");
        }
        if (format > FORMAT_VERSION) {
            throw new ModelFormatException("model bundle has format version " + format
                    + ", newer than this Vigil reads (up to " + FORMAT_VERSION + "); upgrade Vigil");
        }
        if (format < 1) {
            throw new ModelFormatException("model bundle has unknown format version " + format);
        }
        ModelBundle bundle;
        try {
            bundle = parseBody(bytes, HEADER, bodyLength, format);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelFormatException mfe) {
                throw mfe;
            }
            throw new ModelFormatException("model bundle body cannot be read: " + e, e);
        }
        if (expected != null && !expected.fingerprint().equals(bundle.spec.fingerprint())) {
            throw new ModelFormatException("model bundle was trained for another feature spec (fingerprint "
                    + shortPrint(bundle.spec.fingerprint()) + ", running spec " + shortPrint(expected.fingerprint())
                    + "); features " + bundle.spec.names() + " vs " + expected.names());
        }
        return bundle;
    }

    private static String shortPrint(String fingerprint) {
        return fingerprint.substring(0, Math.min(12, fingerprint.length()));
    }

    private static ModelBundle parseBody(byte[] bytes, int offset, int length, int format) throws IOException {
        Map<String, byte[]> sections = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, offset, length))) {
            while (in.available() > 0) {
                String tag = in.readUTF();
                int n = in.readInt();
                if (n < 0 || n > in.available()) {
                    throw new ModelFormatException("model bundle section '" + tag + "' overruns the body");
                }
                sections.put(tag, in.readNBytes(n));
            }
        }
        DataInputStream meta = open(sections, "meta");
        long version = meta.readLong();
        String fingerprint = meta.readUTF();
        require(sections, "spec");
        FeatureSpec spec = FeatureSpec.parse(new String(sections.get("spec"), StandardCharsets.UTF_8));
        if (!spec.fingerprint().equals(fingerprint)) {
            throw new ModelFormatException("model bundle's feature spec does not match its own fingerprint");
        }
        VaeConfig config = readConfig(open(sections, "config"), format);
        DataInputStream norm = open(sections, "normalization");
        int n = norm.readInt();
        if (n != spec.modelInput().size()) {
            throw new ModelFormatException("model bundle normalization covers " + n + " features, its spec " + spec.modelInput().size());
        }
        double[] center = new double[n];
        double[] scale = new double[n];
        for (int j = 0; j < n; j++) {
            center[j] = norm.readDouble();
            scale[j] = norm.readDouble();
        }
        DataInputStream w = open(sections, "weights");
        int count = w.readInt();
        Map<String, Weight> weights = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name = w.readUTF();
            int[] shape = new int[w.readInt()];
            long size = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = w.readInt();
                size *= shape[d];
            }
            if (size < 0 || size * 4 > w.available()) {
                throw new ModelFormatException("model bundle weight '" + name + "' overruns its section");
            }
            float[] values = new float[(int) size];
            for (int k = 0; k < values.length; k++) {
                values[k] = w.readFloat();
            }
            weights.put(name, new Weight(shape, values));
        }
        TrainingInfo training = readTraining(open(sections, "training"));
        byte[] calibration = sections.getOrDefault("calibration", new byte[0]);
        return new ModelBundle(spec, config, new Normalization(center, scale), weights, training, version, calibration);
    }

    private static void require(Map<String, byte[]> sections, String tag) {
        if (!sections.containsKey(tag)) {
            throw new ModelFormatException("model bundle lacks its '" + tag + "' section");
        }
    }

    private static DataInputStream open(Map<String, byte[]> sections, String tag) {
        require(sections, tag);
        return new DataInputStream(new ByteArrayInputStream(sections.get(tag)));
    }

    private static VaeConfig readConfig(DataInputStream s, int format) throws IOException {
        List<Integer> hidden = new ArrayList<>();
        int layers = s.readInt();
        for (int i = 0; i < layers; i++) {
            hidden.add(s.readInt());
        }
        VaeConfig base = new VaeConfig(hidden, s.readInt(), s.readUTF(), s.readInt(), s.readInt(), s.readDouble(), s.readDouble(),
                s.readInt(), s.readInt(), s.readDouble(), s.readLong(), s.readInt(), s.readInt(), s.readDouble(),
                Double.POSITIVE_INFINITY, s.readInt(), VaeConfig.DecoderVariance.PER_RECORD, Double.POSITIVE_INFINITY, 0, 3.0, false,
                Double.POSITIVE_INFINITY);
        if (format < 2) {
            // Format 1 models predicted each record's variance, with a Gaussian likelihood, no trimming
            // and raw standardized encoder input.
            return base;
        }
        VaeConfig.DecoderVariance variance;
        try {
            variance = VaeConfig.DecoderVariance.valueOf(s.readUTF());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("model bundle names an unknown decoder variance: " + e.getMessage());
        }
        VaeConfig v2 = base.withDecoderVariance(variance).withStudentDof(s.readDouble()).withTrimMaxShare(s.readDouble())
                .withTrimFenceIqr(s.readDouble()).withAsinhEncoderInput(s.readBoolean());
        // Formats 1 and 2 had no ceiling on the decoder's log-variance, formats 1 to 3 no bound over the feature's.
        VaeConfig v3 = format < 3 ? v2 : v2.withLogVarCeiling(s.readDouble());
        return format < 4 ? v3 : v3.withRecordLogVarMargin(s.readDouble());
    }

    private static TrainingInfo readTraining(DataInputStream s) throws IOException {
        int records = s.readInt();
        int validation = s.readInt();
        int epochs = s.readInt();
        int best = s.readInt();
        List<Double> train = readDoubles(s);
        List<Double> val = readDoubles(s);
        double seconds = s.readDouble();
        long seed = s.readLong();
        Instant created = Instant.ofEpochSecond(s.readLong(), s.readInt());
        return new TrainingInfo(records, validation, epochs, best, train, val, seconds, seed, created);
    }

    private static List<Double> readDoubles(DataInputStream s) throws IOException {
        int n = s.readInt();
        if (n < 0 || n * 8L > s.available()) {
            throw new EOFException("list of " + n + " doubles overruns its section");
        }
        List<Double> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(s.readDouble());
        }
        return values;
    }

    @Override
    public String toString() {
        return "ModelBundle[version=" + version + ", features=" + spec.size() + ", parameters=" + parameterCount()
                + ", epochs=" + training.epochs() + "]";
    }
}
