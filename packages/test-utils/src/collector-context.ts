/**
 * A real CollectorContext for collector tests: the configuration a Netdata
 * user would have, the real PID table's accumulators from core, and a logger
 * that keeps every line so a failing test can show it.
 */
import { PidTable, createGroupAccumulator } from '@ebpf-collectors/core';
import type { CollectorConfig, CollectorContext, Logger, ProcessGrouping } from '@ebpf-collectors/core';
import type { Loader } from '@ebpf-collectors/loader-native';

/** A collector's `[global]` as a user's own file would resolve it (apps on, every second), with overrides. */
export function collectorConfig(module: string, overrides: Partial<CollectorConfig> = {}): CollectorConfig {
  return {
    module,
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
    btfPath: '',
    origin: 'user',
    sections: new Map(),
    ...overrides,
  };
}

/** A logger that keeps every line, as `level: message`. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Options of {@link testContext}. */
export interface TestContextOptions {
  config: CollectorConfig;
  loader: Loader;
  /** Default: a fresh {@link PidTable} (for collectors that keep no per-PID data). */
  grouping?: ProcessGrouping;
  logger?: Logger;
  signal?: AbortSignal;
}

/** The context the agent would give a collector, built from real core pieces. */
export function testContext(options: TestContextOptions): CollectorContext {
  const grouping = options.grouping ?? new PidTable();
  return {
    config: options.config,
    loader: options.loader,
    logger: options.logger ?? memoryLogger(),
    grouping,
    createAccumulator: (by, lanes) => createGroupAccumulator(grouping, by, lanes),
    signal: options.signal ?? new AbortController().signal,
  };
}
