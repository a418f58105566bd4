package dev.vigil.ingest;

import org.apache.kafka.common.serialization.Serializer;

/**
 * What the ingest processor forwards: a {@link ParsedRecord} to scoring, or a
 * {@link DeadLetters.DeadLetter} to the dead-letter topic. A closed set, so each child knows the
 * one type it receives.
 */
public sealed interface IngestOutput permits ParsedRecord, DeadLetters.DeadLetter {

    /** The dead-letter topic's values: the original bytes (or their cut prefix); key and headers travel on the record. */
    Serializer<DeadLetters.DeadLetter> DEAD_LETTER_SERIALIZER = (topic, dead) -> dead == null ? null : dead.value();
}
