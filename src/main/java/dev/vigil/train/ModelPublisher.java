package dev.vigil.train;

import dev.vigil.model.ModelBundle;
import java.util.OptionalLong;

/**
 * Turns a promoted model into what goes to the models topic: the next version number (strictly
 * above both the last one this task published and the one being served), the bundle's bytes if
 * they fit {@code maxBundleBytes}, and the version that falls out of the last {@code keepVersions}
 * and is to be tombstoned.
 */
record ModelPublisher(int keepVersions, int maxBundleBytes) {

    /** One publication: {@code bytes} under {@code version}, and a tombstone for {@code expired} if present. */
    record Publication(long version, byte[] bytes, OptionalLong expired) {
    }

    /** Thrown when a bundle is larger than the models topic is configured to take. */
    static final class TooLargeException extends Exception {
        TooLargeException(String message) {
            super(message);
        }
    }

    Publication publish(ModelBundle bundle, ModelBundle current, long lastPublished) throws TooLargeException {
        long version = Math.max(lastPublished, current == null ? 0 : current.version()) + 1;
        byte[] bytes = bundle.withVersion(version).toBytes();
        if (bytes.length > maxBundleBytes) {
            throw new TooLargeException("the model bundle has " + bytes.length + " bytes, more than vigil.model.max.bytes = "
                    + maxBundleBytes + "; it was not published");
        }
        long expired = version - keepVersions;
        return new Publication(version, bytes, expired >= 1 ? OptionalLong.of(expired) : OptionalLong.empty());
    }
}
