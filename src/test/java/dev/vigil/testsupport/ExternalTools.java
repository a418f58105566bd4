package dev.vigil.testsupport;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Finding programs from outside Maven on the PATH, and the condition behind {@link RequiresTools}. */
public final class ExternalTools {

    private ExternalTools() {
    }

    /** Evaluates {@link RequiresTools} once per class. */
    public static final class Condition implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<RequiresTools> annotation = context.getTestClass()
                    .flatMap(c -> AnnotationSupport.findAnnotation(c, RequiresTools.class));
            if (annotation.isEmpty() || context.getTestMethod().isPresent()) {
                return ConditionEvaluationResult.enabled("checked at class level");
            }
            List<String> missing = Arrays.stream(annotation.get().value()).filter(t -> onPath(t).isEmpty()).toList();
            if (missing.isEmpty()) {
                return ConditionEvaluationResult.enabled("all of " + String.join(", ", annotation.get().value()) + " on the PATH");
            }
            String test = context.getRequiredTestClass().getSimpleName();
            String reason = String.join(" and ", missing) + " not on the PATH (install: " + annotation.get().install()
                    + ", or run .ci/install-deploy-tools.sh)";
            if (runningInCi()) {
                throw new IllegalStateException(test + ": " + reason + "; under CI=true a missing tool is a failure, not a skip");
            }
            System.out.println("SKIPPED " + test + ": " + reason);
            return ConditionEvaluationResult.disabled(reason);
        }
    }

    /** True when the environment variable {@code CI} is {@code true}, as CI sets it. */
    public static boolean runningInCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The first executable named {@code binary} on the PATH. */
    public static Optional<String> onPath(String binary) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
                return Optional.of(Path.of(dir, binary).toString());
            }
        }
        return Optional.empty();
    }
}
