/**
 * The mount collector on the running kernel (tracepoint mode here: this
 * host has no kprobes and refuses fentry): a python3 workload mounts and
 * unmounts a tmpfs N times (old and new mount API) and fails M mounts and F
 * unmounts; the charts must move by at least that much in the same
 * interval. Needs root; skips with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorInstance } from '@ebpf-collectors/core';
import { PidTable, SYSCALL_EXIT_HOOK_ENV, chartKey, chartMovement, checkExpectations, runSelfTest } from '@ebpf-collectors/core';
import { createLoader, type Loader } from '@ebpf-collectors/loader-native';
import {
  collectorConfig,
  kernelTestSkipReason,
  loadedPrograms,
  memoryLogger,
  programsLeft as leftOf,
  testContext,
} from '@ebpf-collectors/test-utils';
import { MOUNT_WORKLOAD, createMountCollector, mountExpectations, runMountWorkload } from '../src/index.js';

const OBJECT = fileURLToPath(new URL('../bpf/mount.bpf.o', import.meta.url));
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool', 'python3'], files: [OBJECT] });

/** Our programs (names cut to 15 characters by the kernel). */
const isOurs = (name: string): boolean => /^(trampoline_mnt|probe_mnt_|tracepoint_mnt)/.test(name);
const programsLeft = (): Promise<string[]> => leftOf(isOurs);

describe.skipIf(skip !== undefined)(`mount collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let loader: Loader;
  let dir: string;
  const running: CollectorInstance[] = [];

  beforeAll(async () => {
    loader = createLoader();
    dir = mkdtempSync(join(tmpdir(), 'ebpfc-mount-test-'));
    expect(await programsLeft(), 'programs of an earlier run are still loaded').toEqual([]);
  });

  afterEach(async () => {
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft()).toEqual([]);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(overrides: Partial<CollectorConfig>) {
    const config = collectorConfig('mount', { apps: false, collectPid: 'not set', typeFormat: 'co-re', coreTracing: 'tracepoint', ...overrides });
    const logger = memoryLogger();
    const instance = await createMountCollector({ objectPath: OBJECT }).start(testContext({ config, loader, logger }));
    running.push(instance);
    return { instance, config, logger };
  }

  it('auto falls back to tracepoint mode here, with a reason for each mode that failed', async () => {
    const { instance } = await start({ typeFormat: 'auto', coreTracing: 'trampoline', loadMode: 'return' });
    expect(instance.attachMode).toBe('tracepoint');
    expect(instance.report.attempts.map((a) => [a.mode, a.ok])).toEqual([
      ['trampoline', false],
      ['probe', false],
      ['tracepoint', true],
    ]);
  });

  it.each(['return', 'entry'] as const)('%s load mode: N mounts, M failed mounts and F failed unmounts move both charts in the same interval', async (loadMode) => {
    const { instance } = await start({ loadMode });
    expect(instance.attachMode).toBe('tracepoint');
    // mount, umount and move_mount (6.18 has the new mount API).
    expect(loadedPrograms(isOurs)).toHaveLength(3);
    const before = await instance.collect();
    const report = await runMountWorkload(dir, MOUNT_WORKLOAD);
    const after = await instance.collect();
    expect(report).toEqual(MOUNT_WORKLOAD);
    expect(after.charts.map((c) => chartKey(c.chart))).toEqual(['mount_points.call', 'mount_points.error']);
    // The exit tracepoints see every result, so errors count in both load modes.
    const checks = checkExpectations(chartMovement(before, [after]), mountExpectations(report, true));
    expect(checks).toHaveLength(4);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it.each(['tp_btf', 'raw_tp'] as const)(
    'on the generic sys_exit (%s, as beside vfs): the same counts, one program instead of three tracepoints',
    async (hook) => {
      // Alone, mount keeps its tracepoints; beside another collector's generic program it joins it (forced here).
      process.env[SYSCALL_EXIT_HOOK_ENV] = hook;
      const { instance, logger } = await start({ loadMode: 'return' }).finally(() => delete process.env[SYSCALL_EXIT_HOOK_ENV]);
      expect(instance.attachMode).toBe('tracepoint');
      expect(loadedPrograms(isOurs)).toEqual([]);
      expect(logger.lines.join('\n')).toContain(`sys_exit (${hook})`);
      const before = await instance.collect();
      const report = await runMountWorkload(dir, MOUNT_WORKLOAD);
      const after = await instance.collect();
      const checks = checkExpectations(chartMovement(before, [after]), mountExpectations(report, true));
      expect(checks).toHaveLength(4);
      expect(checks.filter((c) => !c.ok)).toEqual([]);
    },
  );

  it('the shipped self-test passes in tracepoint mode with the error bounds', async () => {
    const { instance, config, logger } = await start({ loadMode: 'return' });
    const result = await runSelfTest({ name: 'mount', selfTest: createMountCollector().selfTest!, instance, config, grouping: new PidTable(), logger });
    expect(result.error, logger.lines.join('\n')).toBeUndefined();
    expect(result.checks.map((c) => `${c.chart}.${c.dimension}`)).toEqual([
      'mount_points.call.mount',
      'mount_points.call.umount',
      'mount_points.error.mount',
      'mount_points.error.umount',
    ]);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
