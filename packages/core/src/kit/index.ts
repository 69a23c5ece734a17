/**
 * Helpers every collector needs, ours and third parties' alike: loading one
 * attach mode with cleanup, kernel function and tracepoint checks, per-PID
 * tables, counter deltas and the per-group (apps, cgroup, services) charts.
 */
export * from './errors.js';
export * from './kernel.js';
export * from './load.js';
export * from './pid-map.js';
export * from './counters.js';
export * from './group-charts.js';
export * from './counter-tables.js';
export * from './hooks.js';
export * from './counter-charts.js';
export * from './counter-collector.js';
export * from './object-instance.js';
export * from './syscalls.js';
export * from './interval-values.js';
export * from './workload.js';
export * from './latency-histogram.js';
