/** Kafka plumbing: the embedded single-node KRaft broker, topic setup and serdes. */
package dev.vigil.kafka;
