package dev.vigil.ingest;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where a spec reads a value in a JSON record: a top-level field name, or, when it starts with
 * {@code /}, a JSON Pointer (RFC 6901) into nested objects, such as {@code /fields/usage_idle}.
 * A field name {@code n} reads what the pointer {@code /n} (escaped) reads.
 */
final class FieldPath {

    private FieldPath() {
    }

    /** Is {@code field} a JSON Pointer rather than a top-level field name? */
    static boolean isPointer(String field) {
        return field != null && field.startsWith("/");
    }

    /**
     * Why {@code pointer} is not a valid JSON Pointer to a value inside a record, or null when it is
     * one: it must start with {@code /}, and a {@code ~} must be followed by {@code 0} (for {@code ~})
     * or {@code 1} (for {@code /}).
     */
    static String syntaxError(String pointer) {
        if (!pointer.startsWith("/")) {
            return "a JSON Pointer starts with \"/\"";
        }
        for (int i = 0; i < pointer.length(); i++) {
            if (pointer.charAt(i) == '~') {
                char next = i + 1 < pointer.length() ? pointer.charAt(i + 1) : 0;
                if (next != '0' && next != '1') {
                    return "'~' must be followed by 0 (for '~') or 1 (for '/')";
                }
                i++;
            }
        }
        return null;
    }

    /** The JSON Pointer that reads {@code field}: itself when it is one, else {@code /} and the escaped name. */
    static String location(String field) {
        return isPointer(field) ? field : "/" + field.replace("~", "~0").replace("/", "~1");
    }

    static JsonPointer compile(String field) {
        return JsonPointer.compile(location(field));
    }

    /** A step of a pointer meets a value that is neither an object nor an array it can index. */
    static final class BlockedException extends Exception {
        BlockedException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The value at {@code pointer} in {@code root}, or null when it, or an object on the way to it, is
     * absent or JSON {@code null}: a missing nested object is a missing value.
     *
     * @throws BlockedException when a value on the way is a scalar (or an array indexed by a name)
     */
    static JsonNode resolve(JsonNode root, JsonPointer pointer) throws BlockedException {
        JsonNode node = root;
        for (JsonPointer p = pointer; !p.matches(); p = p.tail()) {
            if (node.isObject()) {
                node = node.get(p.getMatchingProperty());
            } else if (node.isArray() && p.getMatchingIndex() >= 0) {
                node = node.get(p.getMatchingIndex());
            } else {
                String full = pointer.toString();
                String parent = full.substring(0, full.length() - p.toString().length());
                throw new BlockedException("'" + parent + "' must be an object, not " + node.getNodeType().name().toLowerCase()
                        + (node.isArray() ? "" : " " + abbreviate(node.toString())));
            }
            if (node == null || node.isNull()) {
                return null;
            }
        }
        return node;
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
