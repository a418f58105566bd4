/** Typed configuration: one Kafka ConfigDef for every vigil.* key, kafka.* pass-through, environment overrides. */
package dev.vigil.config;
