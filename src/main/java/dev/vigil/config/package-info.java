/**
 * Typed configuration: one Kafka ConfigDef for every vigil.* key, kafka.* pass-through, environment
 * overrides; and {@link dev.vigil.config.VigilSettings}, the pipeline's keys mapped once to typed values.
 */
package dev.vigil.config;
