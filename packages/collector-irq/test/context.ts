/**
 * A real CollectorContext for the irq collectors' tests: a configuration as
 * hardirq.conf / softirq.conf would resolve it. These threads keep no
 * per-PID data, so the grouping is never asked anything.
 */
import type { CollectorConfig, CollectorContext, Logger, ProcessGrouping } from '@ebpf-collectors/core';
import { PidTable, createGroupAccumulator } from '@ebpf-collectors/core';
import type { Loader } from '@ebpf-collectors/loader-native';

/** `[global]` of hardirq.conf or softirq.conf with overrides. */
export function irqConfig(module: 'hardirq' | 'softirq', overrides: Partial<CollectorConfig> = {}): CollectorConfig {
  return {
    module,
    enabled: true,
    loadMode: 'entry',
    apps: false,
    cgroups: false,
    updateEvery: 1,
    pidTableSize: 32768,
    typeFormat: 'auto',
    coreTracing: 'trampoline',
    collectPid: 'not set',
    mapsPerCore: false,
    lifetime: 300,
    btfPath: '',
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

export function testContext(options: { config: CollectorConfig; loader: Loader; logger?: Logger; grouping?: ProcessGrouping }): CollectorContext {
  const grouping = options.grouping ?? new PidTable();
  return {
    config: options.config,
    loader: options.loader,
    logger: options.logger ?? memoryLogger(),
    grouping,
    createAccumulator: (by, lanes) => createGroupAccumulator(grouping, by, lanes),
    signal: new AbortController().signal,
  };
}
