/** Builds the Kafka Streams Topology from configuration: a pure function, no I/O. */
package dev.vigil.topology;
