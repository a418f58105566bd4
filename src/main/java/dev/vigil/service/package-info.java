/** The running service: wires configuration, topics, Kafka Streams, the model holder and HTTP, and owns their lifecycle and shutdown order. */
package dev.vigil.service;
