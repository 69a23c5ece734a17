/**
 * The vfs collector on the running kernel: real loader, real PID table, a
 * real file workload run by a process tree with a name of the test's choosing.
 * Needs root; skips (with the reason) where it cannot run.
 *
 * EBPFC_RECORD_FIXTURES=1 also writes the recorded runs to test/fixtures/.
 */
import { release, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import {
  AttachError,
  PidTable,
  SYSCALL_EXIT_HOOK_ENV,
  chartKey,
  chartMovement,
  checkExpectations,
  effectiveAppsCgroups,
  parseAppsGroups,
  runSelfTest,
} from '@ebpf-collectors/core';
import { NotSupportedError, VerifierError, createLoader, type Loader } from '@ebpf-collectors/loader-native';
import {
  chartValue,
  kernelTestSkipReason,
  loadedPrograms,
  mapsNamed,
  programsLeft as leftOf,
  randomComm,
  startProcessTree,
  type ProcessTree,
} from '@ebpf-collectors/test-utils';
import { createVfsCollector, type VfsReading } from '../src/index.js';
import { FILE_WORKLOAD, expectedReport, fileWorkloadScript, fileWorkloadTally, parseReport, vfsExpectations } from '../src/self-test.js';
import { memoryLogger, testContext, vfsConfig } from './context.js';
import { FixtureRecorder, writeFixture, type VfsFixture } from './fixture.js';

const OBJECT = fileURLToPath(new URL('../bpf/vfs.bpf.o', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const RECORD = process.env.EBPFC_RECORD_FIXTURES === '1';
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool'], files: [OBJECT] });

const GROUP = 'ebpfvfstest';
/** The self-test's workload at full size: 4 MiB written and read back in 4 KiB calls. */
const WORKLOAD = FILE_WORKLOAD;
/** What the host's syscall exit tracepoints must count for it (exactly, for the tree's own group). */
const TALLY = fileWorkloadTally(WORKLOAD, 'syscall', 'return');
const EXPECT = TALLY.counts;

/** apps_groups.conf for the test: the workload's name first, then groups that must not get its counts. */
function appsGroupsText(comm: string): string {
  return ['# written by vfs.kernel.test.ts', `${GROUP}: ${comm}`, 'shells: sh dash bash', 'node: node vitest*', ''].join('\n');
}

/** Our programs (program names are cut to 15 characters by the kernel). */
const isOurs = (name: string): boolean => /^(trampoline_vfs|probe_vfs|tracepoint_sys)/.test(name);
const ourPrograms = (): string[] => loadedPrograms(isOurs);
const programsLeft = (settleMs?: number): Promise<string[]> => leftOf(isOurs, settleMs);
const value = chartValue;


/** Change of a cumulative (incremental) value between two frames; a dimension absent before counts from 0. */
function gained(before: CollectorFrame, after: CollectorFrame, key: string, dimension: string): bigint {
  const now = value(after, key, dimension);
  if (now === undefined) throw new Error(`${key} ${dimension} missing from ${after.charts.map((c) => chartKey(c.chart)).join(', ')}`);
  return now - (value(before, key, dimension) ?? 0n);
}

describe.skipIf(skip !== undefined)(`vfs collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 30_000 }, () => {
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

  /** Start the collector with a fresh PID table that puts `comm` in GROUP. */
  async function start(comm: string, overrides: Partial<CollectorConfig>, record = false) {
    const parsed = parseAppsGroups(appsGroupsText(comm), 'test apps_groups.conf');
    expect(parsed.errors).toEqual([]);
    const table = new PidTable({ apps: parsed.groups });
    const recorder = record ? new FixtureRecorder(table) : undefined;
    const logger = memoryLogger();
    let last: VfsReading | undefined;
    const onRead = (reading: VfsReading) => {
      last = reading;
      recorder?.onRead(reading);
    };
    const collector = createVfsCollector({ objectPath: OBJECT, onRead });
    const config = vfsConfig(overrides);
    const instance = await collector.start(testContext({ config, loader, grouping: table, logger }));
    running.push(instance);
    const collect = async (): Promise<CollectorFrame> => {
      const frame = await instance.collect();
      recorder?.frame(frame);
      return frame;
    };
    return { instance, table, logger, collect, recorder, config, lastReading: () => last };
  }

  /** Start the workload tree (waiting), so the PID table can place it before the baseline. */
  async function workloadTree(comm: string): Promise<ProcessTree> {
    const leaf = { node: fileWorkloadScript(WORKLOAD, { dir: tmpdir(), hold: false }) };
    const tree = await startProcessTree({ comm, leaf, timeoutMs: 20_000 });
    trees.push(tree);
    return tree;
  }

  async function runWorkload(tree: ProcessTree): Promise<void> {
    const result = await tree.run();
    expect(result.code, result.stderr).toBe(0);
    expect(parseReport(result.stdout)).toEqual(expectedReport(WORKLOAD));
  }

  function fixture(description: string, comm: string, instance: CollectorInstance, config: CollectorConfig, recorder: FixtureRecorder): VfsFixture {
    return {
      description,
      recorded: {
        kernel: release(),
        date: new Date().toISOString().slice(0, 10),
        attachMode: instance.attachMode,
        loadMode: config.loadMode,
        collectPid: config.collectPid,
        mapsPerCore: config.mapsPerCore,
      },
      workload: { ...WORKLOAD, comm, group: GROUP },
      ticks: recorder.ticks,
    };
  }

  it('auto falls back to tracepoint and the report says why trampoline and probe failed', async () => {
    const { instance, logger } = await start(randomComm(), { typeFormat: 'auto', coreTracing: 'trampoline', loadMode: 'return' });
    expect(instance.attachMode).toBe('tracepoint');
    expect(instance.report.attempts.map((a) => [a.mode, a.ok])).toEqual([
      ['trampoline', false],
      ['probe', false],
      ['tracepoint', true],
    ]);
    const [trampoline, probe] = instance.report.attempts;
    // This host: fentry/fexit loads fail with EPERM, kprobes are not compiled in; the kit
    // refuses those families from the (cached) feature probes before running the verifier.
    expect(loader.features.fentry(), logger.lines.join('\n')).toBe(false);
    expect(loader.features.kprobe()).toBe(false);
    expect(trampoline).toMatchObject({ code: 'ENOTSUPP' });
    expect(trampoline!.reason).toMatch(/EPERM/);
    expect(trampoline!.reason).toMatch(/fentry|fexit|trampoline/i);
    expect(probe!.code).toBeDefined();
    expect(probe!.reason).toMatch(/kprobe/i);
  });

  it.each(['trampoline', 'probe'] as const)('a forced %s mode fails with an AttachError and leaves nothing loaded', async (mode) => {
    const collector = createVfsCollector({ objectPath: OBJECT });
    const config = vfsConfig({ typeFormat: 'co-re', coreTracing: mode, loadMode: 'return' });
    const failure = await collector.start(testContext({ config, loader, grouping: new PidTable() })).then(
      (instance) => {
        running.push(instance);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AttachError);
    const { attempts } = (failure as AttachError).report;
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ mode, ok: false });
    expect(attempts[0]!.code).toBeDefined();
    expect(await programsLeft()).toEqual([]);
  });

  it('probe programs of both load modes pass the verifier (only attaching is refused); trampolines are refused as unsupported', async () => {
    const probe = loader.openObject(OBJECT);
    for (const p of probe.programs.values()) p.autoload = p.name.startsWith('probe_');
    const object = await probe.load();
    try {
      expect(object.programs.size).toBe(16);
      expect(() => object.program('probe_vfs_read_ret').attachKprobe('vfs_read', { retprobe: true })).toThrow(NotSupportedError);
    } finally {
      object.close();
    }
    for (const returnSide of [false, true]) {
      const trampoline = loader.openObject(OBJECT);
      for (const p of trampoline.programs.values()) {
        p.autoload = p.name.startsWith('trampoline_') && p.name.endsWith('_ret') === returnSide;
      }
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
    }
  });

  it('return mode, collect pid = real parent: host and apps charts count the workload in its interval and group', async () => {
    const comm = randomComm('ebpfvfs-');
    const { instance, table, collect, recorder, config, lastReading } = await start(
      comm,
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return', collectPid: 'real parent' },
      RECORD,
    );
    expect(instance.attachMode).toBe('tracepoint');
    expect(mapsNamed('tbl_vfs_pid').map((m) => [m.type, m.max_entries])).toContainEqual(['hash', Math.floor(32768 / 3)]);

    const tree = await workloadTree(comm);
    table.scan();
    expect(table.appOf(tree.rootPid)).toBe(GROUP);
    expect(table.appOf(tree.leafPid)).toBe(GROUP);
    const before = await collect();
    await runWorkload(tree);
    const after = await collect();

    // Host charts: the whole system in the same interval, so at least the workload.
    const host = (id: string, dim: string) => gained(before, after, `filesystem.${id}`, dim);
    expect(host('vfs_io', 'vfs_write')).toBeGreaterThanOrEqual(EXPECT.writeCalls);
    expect(host('vfs_io', 'vfs_read')).toBeGreaterThanOrEqual(EXPECT.readCalls);
    expect(host('vfs_io_bytes', 'vfs_write')).toBeGreaterThanOrEqual(EXPECT.writeBytes);
    expect(host('vfs_io_bytes', 'vfs_read')).toBeGreaterThanOrEqual(EXPECT.readBytes);
    expect(host('vfs_fsync', 'vfs_fsync')).toBeGreaterThanOrEqual(EXPECT.fsyncCalls);
    expect(host('vfs_deleted_objects', 'vfs_unlink')).toBeGreaterThanOrEqual(EXPECT.unlinkCalls);
    expect(host('vfs_open', 'vfs_open')).toBeGreaterThanOrEqual(EXPECT.openCalls);
    expect(host('vfs_create', 'vfs_create')).toBeGreaterThanOrEqual(EXPECT.createCalls);
    expect(host('vfs_io_error', 'vfs_read')).toBeGreaterThanOrEqual(EXPECT.readErrors);
    expect(host('vfs_open_error', 'vfs_open')).toBeGreaterThanOrEqual(EXPECT.openErrors);
    expect(value(after, 'filesystem.vfs_fsync_error', 'vfs_fsync')).toBeDefined();
    expect(value(after, 'filesystem.vfs_create_error', 'vfs_create')).toBeDefined();

    // Apps: the leaf's calls are keyed by its real parent, the tree's root, in GROUP.
    expect(table.exposedApps()).toContain(GROUP);
    const app = (id: string) => gained(before, after, `apps.${id}`, GROUP);
    expect(app('vfs_write_call')).toBeGreaterThanOrEqual(EXPECT.writeCalls);
    expect(app('vfs_read_call')).toBeGreaterThanOrEqual(EXPECT.readCalls);
    expect(app('vfs_write_bytes')).toBeGreaterThanOrEqual(EXPECT.writeBytes);
    expect(app('vfs_read_bytes')).toBeGreaterThanOrEqual(EXPECT.readBytes);
    expect(app('vfs_fsync')).toBe(EXPECT.fsyncCalls);
    expect(app('vfs_open')).toBeGreaterThanOrEqual(EXPECT.openCalls);
    expect(app('vfs_read_error')).toBeGreaterThanOrEqual(EXPECT.readErrors);
    expect(app('vfs_open_error')).toBeGreaterThanOrEqual(EXPECT.openErrors);
    // Exact: unlinks of files only (the rmdir'ed directories are not deletes), creates = O_CREAT opens.
    expect(app('file_deleted')).toBe(EXPECT.unlinkCalls);
    expect(app('vfs_create')).toBe(EXPECT.createCalls);
    // Exact too: the EBADF writes and the EINVAL fsyncs of /dev/null are the tree's only failing ones.
    expect(app('vfs_write_error')).toBe(EXPECT.writeErrors);
    expect(app('vfs_fsync_error')).toBe(EXPECT.fsyncErrors);
    // The self-test's own bounds hold for the same interval (host charts, and the group's apps charts).
    const checks = checkExpectations(
      chartMovement(before, [after]),
      vfsExpectations({ host: TALLY, apps: new Map([[GROUP, TALLY]]), returnMode: true }),
    );
    expect(checks.length).toBeGreaterThan(20);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    // Nothing of the workload lands in a group that did not run it.
    expect(gained(before, after, 'apps.vfs_write_bytes', 'node')).toBeLessThan(EXPECT.writeBytes);

    // The tree is gone: its keys were dropped from the kernel table after this read, and the group total stays.
    table.scan();
    const quiet = await collect();
    expect(gained(after, quiet, 'apps.vfs_write_bytes', GROUP)).toBe(0n);
    await collect();
    expect(lastReading()!.pids.map((p) => p.pid)).not.toContain(tree.rootPid);

    if (recorder) {
      writeFixture(
        `${FIXTURES}/tracepoint-return-real-parent.json`,
        fixture('tracepoint mode, return load mode, collect pid = real parent, HASH pid table; the file workload of a tree named <comm>', comm, instance, config, recorder),
      );
    }
  });

  it('entry mode, collect pid = all, maps per core: no error charts, calls keyed by the process itself', async () => {
    const comm = randomComm('ebpfvfs-');
    const { table, collect, recorder, config, instance } = await start(
      comm,
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'entry', collectPid: 'all', mapsPerCore: true },
      RECORD,
    );
    expect(mapsNamed('tbl_vfs_pid').map((m) => [m.type, m.max_entries])).toContainEqual(['percpu_hash', 32768]);
    const tree = await workloadTree(comm);
    table.scan();
    const before = await collect();
    await runWorkload(tree);
    const after = await collect();

    const keys = after.charts.map((c) => chartKey(c.chart));
    for (const id of ['vfs_io_error', 'vfs_fsync_error', 'vfs_open_error', 'vfs_create_error']) expect(keys).not.toContain(`filesystem.${id}`);
    for (const id of ['vfs_write_error', 'vfs_read_error', 'vfs_fsync_error', 'vfs_open_error', 'vfs_create_error']) {
      expect(keys).not.toContain(`apps.${id}`);
    }
    expect(gained(before, after, 'filesystem.vfs_io_bytes', 'vfs_write')).toBeGreaterThanOrEqual(EXPECT.writeBytes);
    expect(gained(before, after, 'filesystem.vfs_io', 'vfs_read')).toBeGreaterThanOrEqual(EXPECT.readCalls);
    const app = (id: string) => gained(before, after, `apps.${id}`, GROUP);
    expect(app('vfs_write_call')).toBeGreaterThanOrEqual(EXPECT.writeCalls);
    expect(app('vfs_read_bytes')).toBeGreaterThanOrEqual(EXPECT.readBytes);
    expect(app('vfs_fsync')).toBe(EXPECT.fsyncCalls);
    expect(app('file_deleted')).toBe(EXPECT.unlinkCalls);
    expect(app('vfs_create')).toBe(EXPECT.createCalls);

    if (recorder) {
      writeFixture(
        `${FIXTURES}/tracepoint-entry-all-percpu.json`,
        fixture('tracepoint mode, entry load mode, collect pid = all, PERCPU_HASH pid table (maps per core); the file workload of a tree named <comm>', comm, instance, config, recorder),
      );
    }
  });

  it.each([
    ['entry', 'real parent', 'tp_btf'],
    ['return', 'all', 'tp_btf'],
    ['return', 'real parent', 'tracepoint'],
    ['entry', 'all', 'raw_tp'],
  ] as const)('the shipped self-test passes in tracepoint mode, %s load mode, collect pid = %s, syscall exits on %s', { timeout: 60_000 }, async (loadMode, collectPid, hook) => {
    // The per-syscall tracepoints are the fallback where tp_btf and raw_tp do not load: forced here.
    process.env[SYSCALL_EXIT_HOOK_ENV] = hook;
    // `node` gets a group of its own, so with `collect pid = all` the Node child and perl land in different groups.
    const parsed = parseAppsGroups('node: node\n', 'test apps_groups.conf');
    const table = new PidTable({ apps: parsed.groups });
    const collector = createVfsCollector({ objectPath: OBJECT });
    const config = vfsConfig({ typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode, collectPid });
    const logger = memoryLogger();
    const instance = await collector.start(testContext({ config, loader, grouping: table, logger })).finally(() => {
      delete process.env[SYSCALL_EXIT_HOOK_ENV];
    });
    running.push(instance);
    // One program on the generic exit, or one per syscall exit event.
    const names = ourPrograms().map((p) => p.slice(p.indexOf(':') + 1));
    if (hook !== 'tracepoint') expect(names).toEqual([`tracepoint_syscall_exit_${hook}`]);
    else expect(names.filter((n) => n.startsWith('tracepoint_sys_exit_')).length).toBeGreaterThanOrEqual(15);
    const result = await runSelfTest({ name: 'vfs', selfTest: collector.selfTest!, instance, config, grouping: table, logger });
    expect(result.error, logger.lines.join('\n')).toBeUndefined();
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    const charts = new Set(result.checks.map((c) => c.chart));
    expect(charts.has('filesystem.vfs_io_error')).toBe(loadMode === 'return');
    expect(charts.has('apps.vfs_read_error')).toBe(loadMode === 'return');
    // mknod (perl) and O_CREAT opens both count as creates here.
    const create = result.checks.find((c) => c.chart === 'filesystem.vfs_create');
    expect(create?.atLeast).toBe(EXPECT.createCalls + 10n);
    const groups = new Set(result.checks.filter((c) => c.chart === 'apps.vfs_write_call').map((c) => c.dimension));
    expect(groups.size).toBe(1);
    if (collectPid === 'all') expect(groups).toEqual(new Set(['node']));
  });

  it('apps and cgroups off: a one-entry pid table, host charts only, counts still move', async () => {
    const comm = randomComm('ebpfvfs-');
    const { instance, collect } = await start(comm, { typeFormat: 'co-re', coreTracing: 'tracepoint', apps: false, cgroups: false });
    expect(mapsNamed('tbl_vfs_pid').map((m) => m.max_entries)).toContain(1);
    const hostOnly = ['vfs_deleted_objects', 'vfs_io', 'vfs_io_bytes', 'vfs_fsync', 'vfs_open', 'vfs_create'].map((id) => `filesystem.${id}`);
    expect(instance.charts().map(chartKey)).toEqual(hostOnly);
    const tree = await workloadTree(comm);
    const before = await collect();
    await runWorkload(tree);
    const after = await collect();
    expect(after.charts.map((c) => chartKey(c.chart))).toEqual(hostOnly);
    expect(gained(before, after, 'filesystem.vfs_io', 'vfs_write')).toBeGreaterThanOrEqual(EXPECT.writeCalls);
    expect(gained(before, after, 'filesystem.vfs_deleted_objects', 'vfs_unlink')).toBeGreaterThanOrEqual(EXPECT.unlinkCalls);
  });

  it('a stock configuration follows core\'s apps/cgroups rule for the chosen mode', async () => {
    const { instance, logger, config, collect } = await start(randomComm(), {
      typeFormat: 'co-re',
      coreTracing: 'tracepoint',
      origin: 'stock',
      cgroups: true,
    });
    // Netdata switches apps and cgroup charts off for stock configurations outside trampoline mode.
    const decision = effectiveAppsCgroups(config, instance.attachMode);
    const perPid = decision.apps || decision.cgroups;
    expect(mapsNamed('tbl_vfs_pid').map((m) => m.max_entries)).toContain(perPid ? Math.floor(32768 / 3) : 1);
    if (decision.reason !== undefined) expect(logger.lines).toContain(`info: ${decision.reason}`);
    const frame = await collect();
    if (!perPid) expect(frame.charts.every((c) => c.chart.type === 'filesystem')).toBe(true);
  });

  it('close() detaches everything and collect() afterwards says so', async () => {
    const { instance } = await start(randomComm(), { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return' });
    expect(ourPrograms().length).toBeGreaterThan(0);
    instance.close();
    instance.close();
    expect(await programsLeft()).toEqual([]);
    expect(() => instance.collect()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
  });
});
