/**
 * The fd collector on the running kernel: real loader, real PID table, a
 * real workload in a process tree named after a test app group. Needs root;
 * skips (with the reason) where it cannot run.
 *
 * EBPFC_RECORD_FIXTURES=1 also writes the recorded runs to test/fixtures/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import { AttachError, PidTable, SYSCALL_EXIT_HOOK_ENV, chartKey, chartMovement, checkExpectations, parseAppsGroups, runSelfTest } from '@ebpf-collectors/core';
import { NotSupportedError, createLoader, type Loader } from '@ebpf-collectors/loader-native';
import { kernelTestSkipReason, randomComm, startProcessTree, type ProcessTree } from '@ebpf-collectors/test-utils';
import { createFdCollector, fdExpectations, fdSelfTest, fdWorkloadScript, parseFdWorkOutput, type FdWork } from '../src/index.js';
import { OBJECT_MAPS, chartValue, collectorConfig, mapsNamed, memoryLogger, programsLeft, testContext } from './context.js';
import { FdRecorder, writeFdFixture } from './fixture.js';

const OBJECT = fileURLToPath(new URL('../bpf/fd.bpf.o', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const RECORD = process.env.EBPFC_RECORD_FIXTURES === '1';
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool'], files: [OBJECT] });

const GROUP = 'ebpffdtest';
const OPENS = 500;
const FAILED_OPENS = 200;
const FAILED_CLOSES = 50;
const WORK: FdWork = { opens: OPENS, failedOpens: FAILED_OPENS, failedCloses: FAILED_CLOSES };

function appsGroupsText(comm: string): string {
  return ['# written by fd.kernel.test.ts', `${GROUP}: ${comm}`, 'shells: sh dash bash', 'node: node vitest*', ''].join('\n');
}

function delta(after: CollectorFrame, before: CollectorFrame, key: string, dim: string): bigint {
  const a = chartValue(after, key, dim);
  const b = chartValue(before, key, dim);
  if (a === undefined || b === undefined) throw new Error(`${key} ${dim} missing (after ${a}, before ${b})`);
  return a - b;
}

/** The self-test's own bounds, checked on a movement between two frames: every failing check, empty when all pass. */
function failedExpectations(after: CollectorFrame, before: CollectorFrame, input: Parameters<typeof fdExpectations>[0]) {
  return checkExpectations(chartMovement(before, [after]), fdExpectations(input)).filter((c) => !c.ok);
}

describe.skipIf(skip !== undefined)(`fd collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 30_000 }, () => {
  let loader: Loader;
  let dir: string;
  const running: CollectorInstance[] = [];
  const trees: ProcessTree[] = [];

  beforeAll(async () => {
    loader = createLoader();
    dir = mkdtempSync(join('/var/tmp', 'ebpfc-fd-'));
    expect(await programsLeft(OBJECT_MAPS.fd), 'programs of an earlier run are still loaded').toEqual([]);
  });

  afterEach(async () => {
    for (const tree of trees.splice(0)) await tree.dispose();
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft(OBJECT_MAPS.fd)).toEqual([]);
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    expect(await programsLeft(OBJECT_MAPS.fd)).toEqual([]);
  });

  async function start(comm: string, overrides: Partial<CollectorConfig>, record = false) {
    const parsed = parseAppsGroups(appsGroupsText(comm), 'test apps_groups.conf');
    expect(parsed.errors).toEqual([]);
    const table = new PidTable({ apps: parsed.groups });
    const recorder = record ? new FdRecorder(table) : undefined;
    const logger = memoryLogger();
    const collector = createFdCollector({ objectPath: OBJECT, ...(recorder ? { onRead: recorder.onRead } : {}) });
    const config = collectorConfig('fd', overrides);
    const instance = await collector.start(testContext({ config, loader, grouping: table, logger }));
    running.push(instance);
    const collect = async (): Promise<CollectorFrame> => {
      const frame = await instance.collect();
      recorder?.frame(frame);
      return frame;
    };
    return { instance, table, logger, collect, recorder, config };
  }

  async function tree(comm: string, sub: string): Promise<ProcessTree> {
    const t = await startProcessTree({ comm, leaf: { node: fdWorkloadScript(join(dir, sub), WORK) } });
    trees.push(t);
    return t;
  }

  it('auto falls back to tracepoint and the report says why trampoline and probe failed', async () => {
    const { instance } = await start(randomComm(), { typeFormat: 'auto', coreTracing: 'trampoline', loadMode: 'return' });
    expect(instance.attachMode).toBe('tracepoint');
    expect(instance.report.attempts.map((a) => [a.mode, a.ok])).toEqual([
      ['trampoline', false],
      ['probe', false],
      ['tracepoint', true],
    ]);
    const [trampoline, probe] = instance.report.attempts;
    expect(trampoline!.code).toBeDefined();
    expect(trampoline!.reason).toMatch(/fentry|fexit|trampoline/i);
    expect(probe!.code).toBeDefined();
    expect(probe!.reason).toMatch(/kprobe/i);
  });

  it.each(['trampoline', 'probe'] as const)('a forced %s mode fails with an AttachError and leaves nothing loaded', async (mode) => {
    const collector = createFdCollector({ objectPath: OBJECT });
    const config = collectorConfig('fd', { typeFormat: 'co-re', coreTracing: mode, loadMode: 'return' });
    const failure = await collector.start(testContext({ config, loader, grouping: new PidTable() })).then(
      (instance) => {
        running.push(instance);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AttachError);
    const attempt = (failure as AttachError).report.attempts[0]!;
    expect(attempt).toMatchObject({ mode, ok: false });
    expect(attempt.code).toBeDefined();
    expect(await programsLeft(OBJECT_MAPS.fd)).toEqual([]);
  });

  it('probe programs pass the verifier; only the kprobe attach is refused', async () => {
    const spec = loader.openObject(OBJECT);
    for (const p of spec.programs.values()) p.autoload = p.name.startsWith('probe_');
    const object = await spec.load();
    try {
      expect(() => object.program('probe_open_exit').attachKprobe('do_sys_openat2', { retprobe: true })).toThrow(NotSupportedError);
    } finally {
      object.close();
    }
  });

  it('return mode, collect pid = real parent: host and apps charts count the workload in its group', async () => {
    const comm = randomComm('ebpffd-');
    const { table, collect, recorder, config, instance } = await start(
      comm,
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return', collectPid: 'real parent' },
      RECORD,
    );
    expect(mapsNamed(['tbl_fd_pid']).map((m) => [m.type, m.max_entries])).toContainEqual(['hash', Math.floor(32768 / 3)]);
    const work = await tree(comm, 'return');
    table.scan();
    expect(table.appOf(work.rootPid)).toBe(GROUP);
    expect(table.appOf(work.leafPid)).toBe(GROUP);
    const baseline = await collect();
    const result = await work.run();
    expect(result.code, result.stderr).toBe(0);
    expect(parseFdWorkOutput(result.stdout)).toEqual(WORK);
    const frame = await collect();
    // The self-test's bounds (host, error and apps charts of the group) hold...
    expect(failedExpectations(frame, baseline, { work: WORK, returnMode: true, appGroup: GROUP })).toEqual([]);

    // ...and so do the same bounds written out. Host charts: the whole system, so at least the workload.
    expect(delta(frame, baseline, 'filesystem.file_descriptor', 'do_sys_open')).toBeGreaterThanOrEqual(BigInt(OPENS + FAILED_OPENS));
    expect(delta(frame, baseline, 'filesystem.file_descriptor', '__close_fd')).toBeGreaterThanOrEqual(BigInt(OPENS + FAILED_CLOSES));
    expect(delta(frame, baseline, 'filesystem.file_error', 'do_sys_open')).toBeGreaterThanOrEqual(BigInt(FAILED_OPENS));
    expect(delta(frame, baseline, 'filesystem.file_error', '__close_fd')).toBeGreaterThanOrEqual(BigInt(FAILED_CLOSES));

    // Apps: the leaf's calls are keyed by its real parent, the root, which is in the group too.
    expect(table.exposedApps()).toContain(GROUP);
    expect(delta(frame, baseline, 'apps.file_open', GROUP)).toBeGreaterThanOrEqual(BigInt(OPENS + FAILED_OPENS));
    expect(delta(frame, baseline, 'apps.file_open_error', GROUP)).toBeGreaterThanOrEqual(BigInt(FAILED_OPENS));
    expect(delta(frame, baseline, 'apps.file_closed', GROUP)).toBeGreaterThanOrEqual(BigInt(OPENS + FAILED_CLOSES));
    expect(delta(frame, baseline, 'apps.file_close_error', GROUP)).toBeGreaterThanOrEqual(BigInt(FAILED_CLOSES));
    // Node's start-up opens a few dozen files; nothing like the workload's errors.
    expect(delta(frame, baseline, 'apps.file_open_error', GROUP)).toBeLessThan(BigInt(FAILED_OPENS + 100));
    const shells = chartValue(frame, 'apps.file_open_error', 'shells');
    if (shells !== undefined) expect(shells - (chartValue(baseline, 'apps.file_open_error', 'shells') ?? 0n)).toBeLessThan(BigInt(FAILED_OPENS));

    // The totals never go down once the processes are gone and their keys dropped.
    table.scan();
    const later = await collect();
    expect(delta(later, frame, 'apps.file_open', GROUP)).toBeGreaterThanOrEqual(0n);

    if (recorder) {
      writeFdFixture(`${FIXTURES}/tracepoint-return-real-parent.json`, {
        description: 'fd: tracepoint mode, return load mode, collect pid = real parent, HASH pid table; a Node leaf named <comm> opening, failing to open and failing to close files',
        recorded: {
          kernel: release(),
          date: new Date().toISOString().slice(0, 10),
          attachMode: instance.attachMode,
          loadMode: config.loadMode,
          collectPid: config.collectPid,
          mapsPerCore: config.mapsPerCore,
        },
        workload: { comm, group: GROUP, opens: OPENS, failedOpens: FAILED_OPENS, failedCloses: FAILED_CLOSES },
        ticks: recorder.ticks,
      });
    }
  });

  it('entry mode, collect pid = all, maps per core: calls are counted, error charts do not exist', async () => {
    const comm = randomComm('ebpffd-');
    const { table, collect, recorder, config, instance } = await start(
      comm,
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'entry', collectPid: 'all', mapsPerCore: true },
      RECORD,
    );
    expect(mapsNamed(['tbl_fd_pid']).map((m) => [m.type, m.max_entries])).toContainEqual(['percpu_hash', 32768]);
    const work = await tree(comm, 'entry');
    table.scan();
    const baseline = await collect();
    const result = await work.run();
    expect(result.code, result.stderr).toBe(0);
    const frame = await collect();
    const keys = frame.charts.map((c) => chartKey(c.chart));
    expect(keys).not.toContain('filesystem.file_error');
    expect(keys).not.toContain('apps.file_open_error');
    expect(keys).not.toContain('apps.file_close_error');
    expect(failedExpectations(frame, baseline, { work: WORK, returnMode: false, appGroup: GROUP })).toEqual([]);
    // Entry mode counts every attempt, failed or not.
    expect(delta(frame, baseline, 'filesystem.file_descriptor', 'do_sys_open')).toBeGreaterThanOrEqual(BigInt(OPENS + FAILED_OPENS));
    expect(delta(frame, baseline, 'filesystem.file_descriptor', '__close_fd')).toBeGreaterThanOrEqual(BigInt(OPENS + FAILED_CLOSES));
    // collect pid = all: the leaf's own key, in the group.
    expect(delta(frame, baseline, 'apps.file_open', GROUP)).toBeGreaterThanOrEqual(BigInt(OPENS + FAILED_OPENS));
    expect(delta(frame, baseline, 'apps.file_closed', GROUP)).toBeGreaterThanOrEqual(BigInt(OPENS + FAILED_CLOSES));

    if (recorder) {
      writeFdFixture(`${FIXTURES}/tracepoint-entry-all-percpu.json`, {
        description: 'fd: tracepoint mode, entry load mode, collect pid = all, PERCPU_HASH pid table (maps per core); the same workload',
        recorded: {
          kernel: release(),
          date: new Date().toISOString().slice(0, 10),
          attachMode: instance.attachMode,
          loadMode: config.loadMode,
          collectPid: config.collectPid,
          mapsPerCore: config.mapsPerCore,
        },
        workload: { comm, group: GROUP, opens: OPENS, failedOpens: FAILED_OPENS, failedCloses: FAILED_CLOSES },
        ticks: recorder.ticks,
      });
    }
  });

  it('apps and cgroups off: a one-entry pid table, host charts only, counts still move', async () => {
    const comm = randomComm('ebpffd-');
    const { instance, collect } = await start(comm, { typeFormat: 'co-re', coreTracing: 'tracepoint', apps: false, cgroups: false });
    expect(mapsNamed(['tbl_fd_pid']).map((m) => m.max_entries)).toContain(1);
    expect(instance.charts().map((c) => chartKey(c))).toEqual(['filesystem.file_descriptor']);
    const baseline = await collect();
    const work = await tree(comm, 'noapps');
    await work.run();
    const frame = await collect();
    expect(frame.charts.map((c) => chartKey(c.chart))).toEqual(['filesystem.file_descriptor']);
    expect(delta(frame, baseline, 'filesystem.file_descriptor', 'do_sys_open')).toBeGreaterThanOrEqual(BigInt(OPENS));
  });

  async function startForSelfTest(loadMode: CollectorConfig['loadMode'], collectPid: CollectorConfig['collectPid'], hook?: string) {
    const table = new PidTable({ apps: parseAppsGroups(appsGroupsText(randomComm()), 'test apps_groups.conf').groups });
    const config = collectorConfig('fd', { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode, collectPid });
    const logger = memoryLogger();
    // The per-syscall tracepoints are the fallback where tp_btf and raw_tp do not load: forced by the environment.
    if (hook !== undefined) process.env[SYSCALL_EXIT_HOOK_ENV] = hook;
    const instance = await createFdCollector({ objectPath: OBJECT })
      .start(testContext({ config, loader, grouping: table, logger }))
      .finally(() => {
        delete process.env[SYSCALL_EXIT_HOOK_ENV];
      });
    running.push(instance);
    return { name: 'fd', instance, config, grouping: table, logger, scale: 0.2, scratchParent: dir };
  }

  it.each([
    ['entry', 'real parent', 'tp_btf'],
    ['return', 'real parent', 'tp_btf'],
    ['return', 'all', 'raw_tp'],
    ['return', 'real parent', 'tracepoint'],
  ] as const)('the self-test passes in %s load mode with collect pid = %s, syscall exits on %s', async (loadMode, collectPid, hook) => {
    const options = await startForSelfTest(loadMode, collectPid, hook);
    expect(options.logger.lines.join('\n')).toContain(hook === 'tracepoint' ? 'syscalls/sys_exit_close' : `sys_exit (${hook})`);
    const result = await runSelfTest({ ...options, selfTest: fdSelfTest });
    expect(result.error, options.logger.lines.join('\n')).toBeUndefined();
    const charts = new Set(result.checks.map((c) => c.chart));
    expect([...charts].sort()).toEqual(
      loadMode === 'return'
        ? ['apps.file_close_error', 'apps.file_closed', 'apps.file_open', 'apps.file_open_error', 'filesystem.file_descriptor', 'filesystem.file_error']
        : ['apps.file_closed', 'apps.file_open', 'filesystem.file_descriptor'],
    );
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("the self-test's checks fail when its workload runs outside the measured interval", async () => {
    const options = await startForSelfTest('return', 'real parent');
    const result = await runSelfTest({
      ...options,
      selfTest: {
        description: 'the fd workload, then a measurement of an idle interval',
        run: async (context) => {
          const { expectations } = await fdSelfTest.run(context);
          return { movement: await context.measure(async () => {}), expectations };
        },
      },
    });
    expect(result.ok).toBe(false);
    // Nothing in this process tree fails opens or closes by the dozen while idle.
    const failed = result.checks.filter((c) => !c.ok).map((c) => c.chart);
    expect(failed).toEqual(expect.arrayContaining(['apps.file_open_error', 'apps.file_close_error']));
  });

  it('close() detaches everything and collect() afterwards says so', async () => {
    const { instance } = await start(randomComm(), { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return' });
    instance.close();
    instance.close();
    expect(await programsLeft(OBJECT_MAPS.fd)).toEqual([]);
    expect(() => instance.collect()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
  });
});
