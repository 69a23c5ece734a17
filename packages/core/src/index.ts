/**
 * @ebpf-collectors/core: configuration, the collector contract, attach-mode
 * selection, the scheduler, the PID table, apps and cgroup grouping, and the
 * chart model.
 */
export * from './types.js';
export * from './errors.js';
export * from './attach.js';
export * from './agent.js';
export * from './monotonic.js';
export * from './logger.js';
export * from './config/index.js';
export * from './stream-sink.js';
export * from './grouping/index.js';
export * from './kit/index.js';
export * from './self-test.js';
export * from './default-agent.js';
