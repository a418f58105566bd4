/** Command line: picocli commands (run, demo, train, score, evaluate, bench, model, config, broker). */
package dev.vigil.cli;
