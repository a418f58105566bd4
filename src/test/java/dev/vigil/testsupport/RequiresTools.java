package dev.vigil.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that runs programs from outside Maven (prometheus, promtool,
 * docker-compose, chromium).
 *
 * <p>The README's test command needs only Java and Maven, so when a tool is missing the class is
 * <em>skipped</em> (reported as skipped, not passed) with one line on stdout naming the tool and
 * how to install it. Under {@code CI=true} a missing tool fails the class instead, so CI never
 * silently loses these tests ({@code .ci/run} installs them first). See {@link ExternalTools}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ExternalTools.Condition.class)
public @interface RequiresTools {

    /** Executables that must be on the PATH. */
    String[] value();

    /** How a user installs them, e.g. {@code apt-get install prometheus}. */
    String install();
}
