/**
 * The shm collector on the running kernel (tracepoint mode here: this host
 * has no kprobes and refuses fentry): real loader, real PID table, a python3
 * workload that creates, attaches, detaches and removes N segments, run by
 * a process tree whose name an apps_groups.conf of the test puts in its own
 * group. Needs root; skips with the reason.
 */
import { release } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorFrame, CollectorInstance, ConfigSection } from '@ebpf-collectors/core';
import { PidTable, chartKey, chartMovement, checkExpectations, parseAppsGroups, runSelfTest } from '@ebpf-collectors/core';
import { createLoader, type Loader } from '@ebpf-collectors/loader-native';
import {
  chartValue,
  collectorConfig,
  findInPath,
  kernelTestSkipReason,
  loadedPrograms,
  mapsNamed,
  memoryLogger,
  programsLeft as leftOf,
  randomComm,
  startProcessTree,
  testContext,
  type ProcessTree,
} from '@ebpf-collectors/test-utils';
import { SHM_WORKLOAD_PY, createShmCollector, shmExpectations } from '../src/index.js';
import { SYSCALLS } from '../src/internal-types.js';

const OBJECT = fileURLToPath(new URL('../bpf/shm.bpf.o', import.meta.url));
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool', 'python3'], files: [OBJECT] });
/** The real interpreter (not a version manager's shim script). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : (findInPath('python3') ?? 'python3');

const GROUP = 'ebpfshmtest';
const SEGMENTS = 40;
const APP_CHARTS = ['apps.shmget_call', 'apps.shmat_call', 'apps.shmdt_call', 'apps.shmctl_call'];

/** Our programs (names cut to 15 characters by the kernel). */
const isOurs = (name: string): boolean => /^(trampoline_shm|probe_shm_|tracepoint_shm)/.test(name);
const programsLeft = (): Promise<string[]> => leftOf(isOurs);

/** apps_groups.conf for the test: the workload tree's name in GROUP, python on its own. */
function appsGroupsText(comm: string): string {
  return ['# written by shm.kernel.test.ts', `${GROUP}: ${comm}`, 'python: python3*', 'node: node vitest*', ''].join('\n');
}

function syscallsSection(values: Record<string, string>): Map<string, ConfigSection> {
  const entries = new Map(Object.entries(values).map(([key, value]) => [key, { key, value, file: 'shm.conf', line: 1 }]));
  return new Map([['syscalls', { name: 'syscalls', file: 'shm.conf', line: 1, entries }]]);
}

function gained(before: CollectorFrame, after: CollectorFrame, key: string, dimension: string): bigint {
  const now = chartValue(after, key, dimension);
  if (now === undefined) throw new Error(`${key} ${dimension} missing from ${after.charts.map((c) => chartKey(c.chart)).join(', ')}`);
  return now - (chartValue(before, key, dimension) ?? 0n);
}

describe.skipIf(skip !== undefined)(`shm collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let loader: Loader;
  const running: CollectorInstance[] = [];
  const trees: ProcessTree[] = [];

  beforeAll(async () => {
    loader = createLoader();
    expect(await programsLeft(), 'programs of an earlier run are still loaded').toEqual([]);
  });

  afterEach(async () => {
    for (const tree of trees.splice(0)) await tree.dispose();
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft()).toEqual([]);
  });

  afterAll(async () => {
    expect(await programsLeft()).toEqual([]);
  });

  async function start(comm: string, overrides: Partial<CollectorConfig>) {
    const parsed = parseAppsGroups(appsGroupsText(comm), 'test apps_groups.conf');
    expect(parsed.errors).toEqual([]);
    const table = new PidTable({ apps: parsed.groups });
    const config = collectorConfig('shm', { typeFormat: 'co-re', coreTracing: 'tracepoint', ...overrides });
    const logger = memoryLogger();
    const instance = await createShmCollector({ objectPath: OBJECT }).start(testContext({ config, loader, grouping: table, logger }));
    running.push(instance);
    return { instance, table, config, logger };
  }

  /** The workload tree, waiting, so the PID table can place it before the baseline. */
  async function workloadTree(comm: string): Promise<ProcessTree> {
    const tree = await startProcessTree({ comm, leaf: { program: PYTHON, args: ['-c', SHM_WORKLOAD_PY, String(SEGMENTS)] }, timeoutMs: 20_000 });
    trees.push(tree);
    return tree;
  }

  async function runWorkload(tree: ProcessTree): Promise<void> {
    const result = await tree.run();
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({ shmget: SEGMENTS, shmat: SEGMENTS, shmdt: SEGMENTS, shmctl: SEGMENTS });
  }

  it('auto falls back to tracepoint mode here, with a reason for each mode that failed', async () => {
    const { instance } = await start(randomComm(), { typeFormat: 'auto', coreTracing: 'trampoline' });
    expect(instance.attachMode).toBe('tracepoint');
    expect(instance.report.attempts.map((a) => [a.mode, a.ok])).toEqual([
      ['trampoline', false],
      ['probe', false],
      ['tracepoint', true],
    ]);
  });

  it('collect pid = real parent: N segments move the host chart and the test group\'s apps charts by N in the same interval', async () => {
    const comm = randomComm('ebpfshm-');
    const { instance, table } = await start(comm, { collectPid: 'real parent' });
    expect(loadedPrograms(isOurs)).toHaveLength(4);
    expect(mapsNamed('tbl_pid_shm').map((m) => [m.type, m.max_entries])).toContainEqual(['hash', Math.floor(32768 / 3)]);
    const tree = await workloadTree(comm);
    table.scan();
    expect(table.appOf(tree.rootPid)).toBe(GROUP);
    const before = await instance.collect();
    await runWorkload(tree);
    const after = await instance.collect();

    const checks = checkExpectations(chartMovement(before, [after]), shmExpectations(SEGMENTS, SYSCALLS, [GROUP]));
    expect(checks).toHaveLength(8);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    // Exact for the group: the leaf, keyed by its real parent (the tree's root), is its only shm user.
    for (const id of APP_CHARTS) expect(gained(before, after, id, GROUP), id).toBe(BigInt(SEGMENTS));
    // The apps charts have the group as a dimension; its calls are in no other group.
    expect(after.charts.find((c) => chartKey(c.chart) === 'apps.shmget_call')!.chart.dimensions.map((d) => d.id)).toContain(GROUP);
    const others = [...after.charts.find((c) => chartKey(c.chart) === 'apps.shmget_call')!.values.keys()].filter((g) => g !== GROUP);
    for (const g of others) expect(gained(before, after, 'apps.shmget_call', g)).toBeLessThan(BigInt(SEGMENTS));
  });

  it('a syscall turned off in [syscalls] is neither hooked nor charted', async () => {
    const comm = randomComm('ebpfshm-');
    const { instance, table } = await start(comm, { sections: syscallsSection({ shmat: 'no', shmdt: 'no' }) });
    expect(loadedPrograms(isOurs)).toHaveLength(2);
    const tree = await workloadTree(comm);
    table.scan();
    const before = await instance.collect();
    await runWorkload(tree);
    const after = await instance.collect();
    const keys = after.charts.map((c) => chartKey(c.chart));
    expect(keys).toEqual(['system.shared_memory_calls', 'apps.shmget_call', 'apps.shmctl_call']);
    expect([...after.charts[0]!.values.keys()]).toEqual(['get', 'ctl']);
    expect(gained(before, after, 'apps.shmctl_call', GROUP)).toBe(BigInt(SEGMENTS));
  });

  it('apps and cgroups off: a one-entry pid table, the host chart only, counts still move', async () => {
    const comm = randomComm('ebpfshm-');
    const { instance } = await start(comm, { apps: false, cgroups: false });
    expect(mapsNamed('tbl_pid_shm').map((m) => m.max_entries)).toContain(1);
    const tree = await workloadTree(comm);
    const before = await instance.collect();
    await runWorkload(tree);
    const after = await instance.collect();
    expect(after.charts.map((c) => chartKey(c.chart))).toEqual(['system.shared_memory_calls']);
    expect(gained(before, after, 'system.shared_memory_calls', 'dt')).toBeGreaterThanOrEqual(BigInt(SEGMENTS));
  });

  it.each(['real parent', 'all'] as const)('the shipped self-test passes with collect pid = %s (maps per core with all)', { timeout: 60_000 }, async (collectPid) => {
    const { instance, table, config, logger } = await start(randomComm(), { collectPid, mapsPerCore: collectPid === 'all' });
    const result = await runSelfTest({ name: 'shm', selfTest: createShmCollector().selfTest!, instance, config, grouping: table, logger });
    expect(result.error, logger.lines.join('\n')).toBeUndefined();
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    const groups = new Set(result.checks.filter((c) => c.chart.startsWith('apps.')).map((c) => c.dimension));
    // With `all` the python3 child keys its own calls: the test's `python` group.
    expect(groups).toEqual(new Set([collectPid === 'all' ? 'python' : table.appOf(process.pid)]));
    expect(result.ok).toBe(true);
  });
});
