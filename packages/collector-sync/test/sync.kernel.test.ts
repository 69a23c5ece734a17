/**
 * The sync collector on the running kernel (tracepoint mode here: this
 * host has no kprobes and refuses fentry): real loader, real object, a
 * python3 workload making each of the six syscalls N times, lower bounds on
 * the charts over the same interval. Needs root; skips with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorInstance, ConfigSection } from '@ebpf-collectors/core';
import { PidTable, chartKey, chartMovement, checkExpectations, runSelfTest } from '@ebpf-collectors/core';
import { createLoader, type Loader } from '@ebpf-collectors/loader-native';
import {
  collectorConfig,
  kernelTestSkipReason,
  loadedPrograms,
  memoryLogger,
  programsLeft as leftOf,
  testContext,
} from '@ebpf-collectors/test-utils';
import { createSyncCollector, runSyncWorkload, syncExpectations, syncWorkload } from '../src/index.js';
import { SYSCALLS } from '../src/internal-types.js';

const OBJECT = fileURLToPath(new URL('../bpf/sync.bpf.o', import.meta.url));
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool', 'python3'], files: [OBJECT] });

/** Our programs (names cut to 15 characters by the kernel). */
const isOurs = (name: string): boolean => /^(trampoline_syn|probe_sync_|tracepoint_sync)/.test(name);
const programsLeft = (): Promise<string[]> => leftOf(isOurs);

/** `[syscalls]` with these values. */
function syscallsSection(values: Record<string, string>): Map<string, ConfigSection> {
  const entries = new Map(Object.entries(values).map(([key, value]) => [key, { key, value, file: 'sync.conf', line: 1 }]));
  return new Map([['syscalls', { name: 'syscalls', file: 'sync.conf', line: 1, entries }]]);
}

describe.skipIf(skip !== undefined)(`sync collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let loader: Loader;
  let dir: string;
  const running: CollectorInstance[] = [];

  beforeAll(async () => {
    loader = createLoader();
    dir = mkdtempSync(join(tmpdir(), 'ebpfc-sync-test-'));
    expect(await programsLeft(), 'programs of an earlier run are still loaded').toEqual([]);
  });

  afterEach(async () => {
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft()).toEqual([]);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(overrides: Partial<CollectorConfig>) {
    const config = collectorConfig('sync', { apps: false, collectPid: 'not set', typeFormat: 'co-re', coreTracing: 'tracepoint', ...overrides });
    const logger = memoryLogger();
    const instance = await createSyncCollector({ objectPath: OBJECT }).start(testContext({ config, loader, logger }));
    running.push(instance);
    return { instance, config, logger };
  }

  it('auto falls back to tracepoint mode here, with a reason for each mode that failed', async () => {
    const { instance } = await start({ typeFormat: 'auto', coreTracing: 'trampoline' });
    expect(instance.attachMode).toBe('tracepoint');
    expect(instance.report.attempts.map((a) => [a.mode, a.ok])).toEqual([
      ['trampoline', false],
      ['probe', false],
      ['tracepoint', true],
    ]);
  });

  it.each(['entry', 'return'] as const)('%s load mode: N calls of each syscall move every dimension by at least N in the same interval', async (loadMode) => {
    const { instance } = await start({ loadMode });
    expect(instance.attachMode).toBe('tracepoint');
    expect(loadedPrograms(isOurs)).toHaveLength(SYSCALLS.length);
    const counts = syncWorkload(1);
    const before = await instance.collect();
    await runSyncWorkload(dir, counts);
    const after = await instance.collect();
    expect(after.charts.map((c) => chartKey(c.chart))).toEqual(['mem.file_sync', 'mem.memory_map', 'mem.sync', 'mem.file_segment']);
    const checks = checkExpectations(chartMovement(before, [after]), syncExpectations(counts, SYSCALLS));
    expect(checks).toHaveLength(6);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('a syscall turned off in [syscalls] is neither hooked nor charted; the others still count', async () => {
    const { instance } = await start({ sections: syscallsSection({ fdatasync: 'no', msync: 'no', sync: 'no' }) });
    // Three programs loaded: fsync, syncfs, sync_file_range.
    expect(loadedPrograms(isOurs)).toHaveLength(3);
    const counts = syncWorkload(0.25);
    const before = await instance.collect();
    await runSyncWorkload(dir, counts);
    const after = await instance.collect();
    expect(after.charts.map((c) => [chartKey(c.chart), [...c.values.keys()]])).toEqual([
      ['mem.file_sync', ['fsync']],
      ['mem.sync', ['syncfs']],
      ['mem.file_segment', ['sync_file_range']],
    ]);
    const checks = checkExpectations(chartMovement(before, [after]), syncExpectations(counts, ['fsync', 'syncfs', 'sync_file_range']));
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('an unknown [syscalls] key is reported once, with its file and line, however many modes are tried', async () => {
    const { instance, logger } = await start({ typeFormat: 'auto', coreTracing: 'trampoline', sections: syscallsSection({ fsnyc: 'no' }) });
    expect(instance.report.attempts).toHaveLength(3);
    expect(logger.lines.filter((l) => l.includes('fsnyc'))).toEqual([
      'warn: sync.conf:1: [syscalls] "fsnyc" is not one of fsync, fdatasync, msync, sync, syncfs, sync_file_range; it is ignored',
    ]);
  });

  it('every syscall off: the collector does not start and says which file to fix', async () => {
    const off = Object.fromEntries(SYSCALLS.map((s) => [s, 'no']));
    await expect(start({ sections: syscallsSection(off) })).rejects.toThrow(/sync\.conf \[syscalls\]/);
  });

  it('the shipped self-test passes in tracepoint mode', async () => {
    const { instance, config, logger } = await start({ loadMode: 'entry' });
    const table = new PidTable();
    const result = await runSelfTest({ name: 'sync', selfTest: createSyncCollector().selfTest!, instance, config, grouping: table, logger });
    expect(result.error, logger.lines.join('\n')).toBeUndefined();
    expect(result.checks.map((c) => c.dimension)).toEqual([...SYSCALLS]);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.ok).toBe(true);
  });
});
