/**
 * Backtest: what a replay of history through the real topology saw ({@link dev.vigil.backtest.BacktestResult}),
 * and its self-contained HTML report ({@link dev.vigil.backtest.BacktestReport}).
 */
package dev.vigil.backtest;
