/**
 * Building a real CollectorContext for tests: the configuration a Netdata
 * user would have, the real PID table and accumulators from core.
 */
import type { CollectorConfig, CollectorContext, Logger, ProcessGrouping } from '@ebpf-collectors/core';
import { createGroupAccumulator } from '@ebpf-collectors/core';
import type { Loader } from '@ebpf-collectors/loader-native';

/** A `[global]` as a user's process.conf would resolve it, with overrides. */
export function processConfig(overrides: Partial<CollectorConfig> = {}): CollectorConfig {
  return {
    module: 'process',
    enabled: true,
    loadMode: 'entry',
    apps: true,
    cgroups: false,
    updateEvery: 1,
    pidTableSize: 32768,
    typeFormat: 'auto',
    coreTracing: 'trampoline',
    collectPid: 'real parent',
    mapsPerCore: false,
    lifetime: 300,
    btfPath: '/sys/kernel/btf/',
    origin: 'user',
    sections: new Map(),
    ...overrides,
  };
}

/** A logger that keeps every line (shown when a test fails). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function testContext(options: {
  config: CollectorConfig;
  loader: Loader;
  grouping: ProcessGrouping;
  logger?: Logger;
  signal?: AbortSignal;
}): CollectorContext {
  const { grouping } = options;
  return {
    config: options.config,
    loader: options.loader,
    logger: options.logger ?? memoryLogger(),
    grouping,
    createAccumulator: (by, lanes) => createGroupAccumulator(grouping, by, lanes),
    signal: options.signal ?? new AbortController().signal,
  };
}
