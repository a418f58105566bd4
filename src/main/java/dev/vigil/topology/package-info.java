/** Builds the Kafka Streams Topology from the typed settings: a pure function, no I/O. */
package dev.vigil.topology;
