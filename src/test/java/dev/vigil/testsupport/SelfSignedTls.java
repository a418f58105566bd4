package dev.vigil.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with the JDK's {@code keytool} (part
 * of every JDK, so CI needs nothing else): a PKCS12 key store for the broker and a PKCS12 trust
 * store holding only that certificate, for clients. Each has its own random password.
 */
public record SelfSignedTls(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {

    private static final long KEYTOOL_TIMEOUT_SECONDS = 60;

    /** Never the passwords. */
    @Override
    public String toString() {
        return "SelfSignedTls[keyStore=" + keyStore + ", trustStore=" + trustStore + "]";
    }

    /** Creates {@code broker.p12}, {@code broker.crt} and {@code truststore.p12} in {@code dir}. */
    public static SelfSignedTls create(Path dir) {
        Path keyStore = dir.resolve("broker.p12");
        Path certificate = dir.resolve("broker.crt");
        Path trustStore = dir.resolve("truststore.p12");
        String keyStorePassword = randomSecret();
        String trustStorePassword = randomSecret();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + dir, e);
        }
        // Clients verify the host name by default: the certificate must name the address they dial.
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", keyStorePassword, "-keypass", keyStorePassword);
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(),
                "-storepass", keyStorePassword, "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", trustStore.toString(), "-storepass", trustStorePassword);
        return new SelfSignedTls(keyStore, keyStorePassword, trustStore, trustStorePassword);
    }

    /** 32 hex digits: no character that needs quoting in JAAS, a properties file or a SCRAM argument. */
    public static String randomSecret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " did not finish in " + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed (exit " + process.exitValue() + "): " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run keytool from " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
