/** Prometheus metrics and the HTTP endpoints (/metrics, /healthz, /readyz, /api/model). */
package dev.vigil.metrics;
