/**
 * The process collector on the running kernel: real loader, real PID table,
 * real workloads. Needs root; skips (with the reason) where it cannot run.
 *
 * EBPFC_RECORD_FIXTURES=1 also writes the recorded runs to test/fixtures/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import { AttachError, PidTable, chartKey, parseAppsGroups } from '@ebpf-collectors/core';
import { NotSupportedError, VerifierError, createLoader, type Loader } from '@ebpf-collectors/loader-native';
import {
  cloneErrorLeaf,
  forkLeaf,
  kernelTestSkipReason,
  randomComm,
  startProcessTree,
  threadLeaf,
  type ProcessTree,
} from '@ebpf-collectors/test-utils';
import { createProcessCollector } from '../src/index.js';
import { memoryLogger, processConfig, testContext } from './context.js';
import { FixtureRecorder, writeFixture, type ProcessFixture } from './fixture.js';

const OBJECT = fileURLToPath(new URL('../bpf/process.bpf.o', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const RECORD = process.env.EBPFC_RECORD_FIXTURES === '1';
const skip = kernelTestSkipReason({ tracefs: true, tools: ['perl', 'bpftool'], files: [OBJECT] });

const GROUP = 'ebpfwltest';
const FORKS = 300;
const THREADS = 50;
const PROCESS_ERRORS = 5;
const THREAD_ERRORS = 7;
/** sched_process_free runs after an RCU grace period: give releases time to land. */
const SETTLE_MS = 300;

/** apps_groups.conf for the test: our workload's name first, then groups that must not get its counts. */
function appsGroupsText(comm: string): string {
  return [
    '# written by process.kernel.test.ts',
    `${GROUP}: ${comm}`,
    'shells: sh dash bash',
    'node: node vitest*',
    'perl: perl',
    '',
  ].join('\n');
}

/** Program ids of ours that are loaded (names are cut to 15 characters by the kernel). */
function ourPrograms(): string[] {
  const result = spawnSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bpftool prog list failed: ${result.stderr}`);
  const progs = JSON.parse(result.stdout) as Array<{ id: number; name?: string }>;
  return progs
    .filter((p) => p.name !== undefined && /^(common_|trampoline_|probe_|tracepoint_)/.test(p.name))
    .map((p) => `${p.id}:${p.name}`);
}

/** Maps named `name` with their type and size, as the kernel reports them. */
/**
 * Our programs still loaded after `settleMs`: closing a link frees its program
 * after an RCU grace period, so a program can outlive its fd by milliseconds.
 */
async function programsLeft(settleMs = 3000): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  let left = ourPrograms();
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = ourPrograms();
  }
  return left;
}

function mapsNamed(name: string): Array<{ type: string; max_entries: number }> {
  const result = spawnSync('bpftool', ['-j', 'map', 'list'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bpftool map list failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as Array<{ name?: string; type: string; max_entries: number }>).filter(
    (m) => m.name === name,
  );
}

function chartValue(frame: CollectorFrame, key: string, dimension: string): bigint | undefined {
  return frame.charts.find((c) => chartKey(c.chart) === key)?.values.get(dimension);
}

describe.skipIf(skip !== undefined)(`process collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
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

  /** Start the collector with a fresh PID table matching `comm`. */
  async function start(comm: string, overrides: Partial<CollectorConfig>, record?: boolean) {
    const parsed = parseAppsGroups(appsGroupsText(comm), 'test apps_groups.conf');
    expect(parsed.errors).toEqual([]);
    const table = new PidTable({ apps: parsed.groups });
    const recorder = record ? new FixtureRecorder(table) : undefined;
    const logger = memoryLogger();
    const collector = createProcessCollector({
      objectPath: OBJECT,
      ...(recorder ? { onRead: recorder.onRead } : {}),
    });
    const config = processConfig(overrides);
    const instance = await collector.start(testContext({ config, loader, grouping: table, logger }));
    running.push(instance);
    const collect = async (): Promise<CollectorFrame> => {
      const frame = await instance.collect();
      recorder?.frame(frame);
      return frame;
    };
    return { instance, table, logger, collect, recorder, config };
  }

  async function tree(comm: string, leaf: Parameters<typeof startProcessTree>[0]['leaf']): Promise<ProcessTree> {
    const t = await startProcessTree({ comm, leaf });
    trees.push(t);
    return t;
  }

  it('auto falls back to tracepoint and the report says why trampoline and probe failed', async () => {
    const { instance, logger } = await start(randomComm(), { typeFormat: 'auto', coreTracing: 'trampoline' });
    expect(instance.attachMode).toBe('tracepoint');
    const attempts = instance.report.attempts;
    expect(attempts.map((a) => [a.mode, a.ok])).toEqual([
      ['trampoline', false],
      ['probe', false],
      ['tracepoint', true],
    ]);
    const [trampoline, probe] = attempts;
    // This host: fentry loads fail with EPERM, kprobes are not compiled in.
    expect(loader.features.fentry(), logger.lines.join('\n')).toBe(false);
    expect(loader.features.kprobe()).toBe(false);
    expect(trampoline!.code).toBeDefined();
    expect(trampoline!.reason).toMatch(/fentry|fexit|trampoline/i);
    expect(probe!.code).toBeDefined();
    expect(probe!.reason).toMatch(/kprobe/i);
    console.info(`process attach report: ${JSON.stringify(instance.report)}`);
  });

  it.each(['trampoline', 'probe'] as const)('a forced %s mode fails with an AttachError and leaves nothing loaded', async (mode) => {
    const collector = createProcessCollector({ objectPath: OBJECT });
    const config = processConfig({ typeFormat: 'co-re', coreTracing: mode, loadMode: 'return' });
    const table = new PidTable();
    const failure = await collector.start(testContext({ config, loader, grouping: table })).then(
      (instance) => {
        running.push(instance);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AttachError);
    const report = (failure as AttachError).report;
    expect(report.attempts).toHaveLength(1);
    expect(report.attempts[0]).toMatchObject({ mode, ok: false });
    expect(report.attempts[0]!.code).toBeDefined();
    expect(await programsLeft()).toEqual([]);
  });

  it('probe programs pass the verifier and only their attach is refused; trampoline loads are refused as unsupported', async () => {
    const probe = loader.openObject(OBJECT);
    for (const p of probe.programs.values()) p.autoload = p.name.startsWith('probe_');
    const object = await probe.load();
    try {
      expect(() => object.program('probe_release_task').attachKprobe('release_task')).toThrow(NotSupportedError);
    } finally {
      object.close();
    }
    const trampoline = loader.openObject(OBJECT);
    for (const p of trampoline.programs.values()) p.autoload = p.name.startsWith('trampoline_');
    trampoline.program('trampoline_kernel_clone').setAttachTarget('kernel_clone');
    const failure = await trampoline.load().then(
      (o) => {
        o.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    trampoline.close();
    expect(failure).toBeInstanceOf(NotSupportedError);
    expect(failure).not.toBeInstanceOf(VerifierError);
  });

  it('return mode, collect pid = real parent: host and apps charts count the workload in its group', async () => {
    const comm = randomComm();
    const { instance, table, collect, recorder, config } = await start(
      comm,
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return', collectPid: 'real parent' },
      RECORD,
    );
    expect(instance.attachMode).toBe('tracepoint');
    expect(mapsNamed('tbl_pid_stats').map((m) => [m.type, m.max_entries])).toContainEqual(['hash', Math.floor(32768 / 3)]);

    const forks = await tree(comm, forkLeaf(FORKS));
    const threads = await tree(comm, threadLeaf(THREADS));
    const errors = await tree(comm, cloneErrorLeaf({ processErrors: PROCESS_ERRORS, threadErrors: THREAD_ERRORS }));
    table.scan();
    for (const t of [forks, threads, errors]) {
      expect(table.appOf(t.rootPid)).toBe(GROUP);
      expect(table.appOf(t.leafPid)).toBe(GROUP);
    }
    const baseline = await collect();
    expect(chartValue(baseline, 'system.process_thread', '_do_fork')).toBe(0n);

    const results = await Promise.all([forks.run(), threads.run(), errors.run()]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(results[0]!.stdout).toContain(`forked ${FORKS}`);
    expect(results[1]!.stdout).toContain(`threads ${THREADS}`);
    expect(results[2]!.stdout).toContain(`failed ${PROCESS_ERRORS + THREAD_ERRORS}`);
    await sleep(SETTLE_MS);
    const frame = await collect();

    // Host charts: the whole system, so at least the workload.
    expect(chartValue(frame, 'system.process_thread', '_do_fork')).toBeGreaterThanOrEqual(BigInt(FORKS));
    expect(chartValue(frame, 'system.process_thread', 'sys_clone')).toBeGreaterThanOrEqual(BigInt(THREADS));
    expect(chartValue(frame, 'system.exit', 'do_exit')).toBeGreaterThanOrEqual(BigInt(FORKS + THREADS));
    expect(chartValue(frame, 'system.exit', 'release_task')).toBeGreaterThanOrEqual(BigInt(FORKS + THREADS));
    expect(chartValue(frame, 'system.task_error', '_do_fork')).toBeGreaterThanOrEqual(BigInt(PROCESS_ERRORS));
    expect(chartValue(frame, 'system.task_error', 'sys_clone')).toBeGreaterThanOrEqual(BigInt(THREAD_ERRORS));
    expect(chartValue(frame, 'system.process_status', 'process')).toBeDefined();

    // Apps: forks and threads are keyed by the leaf's real parent (the root, in the group);
    // the children's exits and releases by the leaf (also in the group).
    expect(table.exposedApps()).toContain(GROUP);
    expect(chartValue(frame, 'apps.process_create', GROUP)).toBeGreaterThanOrEqual(BigInt(FORKS));
    expect(chartValue(frame, 'apps.thread_create', GROUP)).toBeGreaterThanOrEqual(BigInt(THREADS));
    expect(chartValue(frame, 'apps.task_exit', GROUP)).toBeGreaterThanOrEqual(BigInt(FORKS + THREADS));
    expect(chartValue(frame, 'apps.task_close', GROUP)).toBeGreaterThanOrEqual(BigInt(FORKS + THREADS));
    expect(chartValue(frame, 'apps.task_error', GROUP)).toBe(BigInt(PROCESS_ERRORS + THREAD_ERRORS));
    // Nothing of the workload lands in a group that did not run it.
    expect(chartValue(frame, 'apps.process_create', 'perl') ?? 0n).toBeLessThan(BigInt(FORKS));

    // Dead keys were dropped from the kernel table after they were read: a quiet tick reads fewer.
    table.scan();
    const quiet = await collect();
    expect(chartValue(quiet, 'apps.process_create', GROUP)).toBe(0n);

    if (recorder) {
      const fixture: ProcessFixture = {
        description: 'tracepoint mode, return load mode, collect pid = real parent, HASH pid table; forks, threads and failing clones from a tree named <comm>',
        recorded: {
          kernel: release(),
          date: new Date().toISOString().slice(0, 10),
          attachMode: instance.attachMode,
          loadMode: config.loadMode,
          collectPid: config.collectPid,
          mapsPerCore: config.mapsPerCore,
        },
        workload: { comm, group: GROUP, forks: FORKS, threads: THREADS, processErrors: PROCESS_ERRORS, threadErrors: THREAD_ERRORS },
        ticks: recorder.ticks,
      };
      writeFixture(`${FIXTURES}/tracepoint-return-real-parent.json`, fixture);
    }
  });

  it('entry mode, collect pid = all, maps per core: creations are keyed by the forking process itself', async () => {
    const comm = randomComm();
    const { table, collect, recorder, config, instance } = await start(
      comm,
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'entry', collectPid: 'all', mapsPerCore: true },
      RECORD,
    );
    expect(mapsNamed('tbl_pid_stats').map((m) => [m.type, m.max_entries])).toContainEqual(['percpu_hash', 32768]);

    const forks = await tree(comm, forkLeaf(FORKS));
    const threads = await tree(comm, threadLeaf(THREADS));
    table.scan();
    const baseline = await collect();
    expect(baseline.charts.map((c) => chartKey(c.chart))).not.toContain('system.task_error');

    await Promise.all([forks.run(), threads.run()]);
    await sleep(SETTLE_MS);
    const frame = await collect();
    expect(frame.charts.map((c) => chartKey(c.chart))).not.toContain('system.task_error');
    expect(frame.charts.map((c) => chartKey(c.chart))).not.toContain('apps.task_error');
    expect(chartValue(frame, 'system.process_thread', '_do_fork')).toBeGreaterThanOrEqual(BigInt(FORKS));
    expect(chartValue(frame, 'system.process_thread', 'sys_clone')).toBeGreaterThanOrEqual(BigInt(THREADS));
    expect(chartValue(frame, 'apps.process_create', GROUP)).toBeGreaterThanOrEqual(BigInt(FORKS));
    expect(chartValue(frame, 'apps.thread_create', GROUP)).toBeGreaterThanOrEqual(BigInt(THREADS));

    if (recorder) {
      writeFixture(`${FIXTURES}/tracepoint-entry-all-percpu.json`, {
        description: 'tracepoint mode, entry load mode, collect pid = all, PERCPU_HASH pid table (maps per core); forks and threads from a tree named <comm>',
        recorded: {
          kernel: release(),
          date: new Date().toISOString().slice(0, 10),
          attachMode: instance.attachMode,
          loadMode: config.loadMode,
          collectPid: config.collectPid,
          mapsPerCore: config.mapsPerCore,
        },
        workload: { comm, group: GROUP, forks: FORKS, threads: THREADS, processErrors: 0, threadErrors: 0 },
        ticks: recorder.ticks,
      });
    }
  });

  it('apps and cgroups off: a one-entry pid table, host charts only, counts still move', async () => {
    const comm = randomComm();
    const { instance, collect } = await start(comm, {
      typeFormat: 'co-re',
      coreTracing: 'tracepoint',
      apps: false,
      cgroups: false,
    });
    expect(mapsNamed('tbl_pid_stats').map((m) => m.max_entries)).toContain(1);
    expect(instance.charts().map((c) => chartKey(c))).toEqual(['system.process_thread', 'system.exit', 'system.process_status']);
    await collect();
    const forks = await tree(comm, forkLeaf(FORKS));
    await forks.run();
    await sleep(SETTLE_MS);
    const frame = await collect();
    expect(frame.charts.map((c) => chartKey(c.chart))).toEqual(['system.process_thread', 'system.exit', 'system.process_status']);
    expect(chartValue(frame, 'system.process_thread', '_do_fork')).toBeGreaterThanOrEqual(BigInt(FORKS));
  });

  it('close() detaches everything and collect() afterwards says so', async () => {
    const { instance } = await start(randomComm(), { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return' });
    expect(ourPrograms().length).toBeGreaterThan(0);
    instance.close();
    instance.close();
    expect(await programsLeft()).toEqual([]);
    expect(() => instance.collect()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
  });

  it('the object exists where the package says', () => {
    expect(existsSync(OBJECT)).toBe(true);
  });
});
