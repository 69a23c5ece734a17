/**
 * The process collector on the running kernel: real loader, real PID table,
 * and the workload and bounds of its self-test (src/workload.ts,
 * src/self-test.ts), with stronger checks on top. Needs root; skips (with the
 * reason) where it cannot run.
 *
 * EBPFC_RECORD_FIXTURES=1 also writes the recorded runs to test/fixtures/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import {
  AttachError,
  PidTable,
  chartKey,
  checkExpectations,
  createMeasure,
  formatSelfTestResult,
  parseAppsGroups,
  runSelfTest,
  SYSCALL_EXIT_HOOK_ENV,
  TRACEPOINT_KIND_ENV,
} from '@ebpf-collectors/core';
import { NotSupportedError, VerifierError, createLoader, type Loader } from '@ebpf-collectors/loader-native';
import { kernelTestSkipReason } from '@ebpf-collectors/test-utils';
import {
  RELEASE_SHARE,
  createProcessCollector,
  namePidValues,
  processCollector,
  processExpectations,
  processSelfTest,
  processWorkloadGroups,
  processWorkloadSize,
  runProcessWorkload,
  type ProcessReading,
} from '../src/index.js';
import { PID_KEY_SIZE, PID_VALUE_SIZE } from '../src/internal-types.js';
import { memoryLogger, processConfig, testContext } from './context.js';
import { FixtureRecorder, writeFixture, type ProcessFixture } from './fixture.js';

const OBJECT = fileURLToPath(new URL('../bpf/process.bpf.o', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const RECORD = process.env.EBPFC_RECORD_FIXTURES === '1';
const skip = kernelTestSkipReason({ tracefs: true, tools: ['perl', 'bpftool'], files: [OBJECT] });

const GROUP = 'ebpfwltest';
/** The self-test workload at scale 1. */
const FORKS = 300;
const THREADS = 50;
const PROCESS_ERRORS = 5;
const THREAD_ERRORS = 7;

/**
 * apps_groups.conf for the test. The workload's children (sh, node, perl)
 * are children of this vitest worker, whose command line names vitest: the
 * worker goes to the test group, and the forker and threader, which match
 * nothing, inherit it. `perl` must not get the counts of the failed clones:
 * they are counted for the failer's real parent, this worker.
 */
const APPS_GROUPS = ['# written by process.kernel.test.ts', `${GROUP}: *vitest*`, 'perl: perl', ''].join('\n');

/**
 * BPF programs and links this process still holds (from /proc/self/fdinfo).
 * Every attachment the loader makes is an fd-based link or perf event owned by
 * this process, so none left means nothing of ours is loaded or attached; other
 * processes loading the same object at the same time do not disturb the check.
 */
function ownBpfHandles(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fdinfo')) {
    let info: string;
    try {
      info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile (the readdir fd itself)
    }
    const id = /^(prog_id|link_id):\s*(\d+)/m.exec(info);
    if (id) out.push(`${id[1]}=${id[2]}`);
  }
  return out;
}

/** Programs named like ours, system-wide (other processes may run the same collector). */
function programsNamedLikeOurs(): string[] {
  const result = spawnSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bpftool prog list failed: ${result.stderr}`);
  const progs = JSON.parse(result.stdout) as Array<{ id: number; name?: string }>;
  return progs
    .filter((p) => p.name !== undefined && /^(common_|trampoline_|probe_|tracepoint_)/.test(p.name))
    .map((p) => `${p.id}:${p.name}`);
}

/** Kernel map types by number (include/uapi/linux/bpf.h). */
const MAP_TYPE_NAMES: Readonly<Record<number, string>> = { 1: 'hash', 5: 'percpu_hash' };

/**
 * This process's PID tables as the kernel sees them: maps with tbl_pid_stats'
 * key and value sizes among the fds we hold (fdinfo has no names, but these
 * are ours, whatever else runs).
 */
function ownPidTables(): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const fd of readdirSync('/proc/self/fdinfo')) {
    let info: string;
    try {
      info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    if (field('key_size') === PID_KEY_SIZE && field('value_size') === PID_VALUE_SIZE) {
      out.push([MAP_TYPE_NAMES[field('map_type')] ?? `type ${field('map_type')}`, field('max_entries')]);
    }
  }
  return out;
}

function chartValue(frame: CollectorFrame, key: string, dimension: string): bigint | undefined {
  return frame.charts.find((c) => chartKey(c.chart) === key)?.values.get(dimension);
}

/** `instance` reading through `collect` (which keeps and records frames) when the self-test's measure() collects. */
function withCollect(instance: CollectorInstance, collect: () => Promise<CollectorFrame>): CollectorInstance {
  return {
    attachMode: instance.attachMode,
    report: instance.report,
    charts: () => instance.charts(),
    collect,
    close: () => instance.close(),
  };
}

/** The named lanes of `pid` in a kernel reading. */
function entryOf(reading: ProcessReading | undefined, pid: number | undefined) {
  const entry = reading?.pids.find((p) => p.pid === pid);
  return entry === undefined ? undefined : namePidValues(entry);
}

/** This process's name, for the fixtures' record of who ran the workload. */
function ownComm(): string {
  return readFileSync('/proc/self/comm', 'utf8').trim();
}

describe.skipIf(skip !== undefined)(`process collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let loader: Loader;
  const running: CollectorInstance[] = [];

  beforeAll(() => {
    loader = createLoader();
    const others = programsNamedLikeOurs();
    if (others.length > 0) console.info(`programs named like ours, loaded by other processes: ${others.join(', ')}`);
    expect(ownBpfHandles()).toEqual([]);
  });

  afterEach(async () => {
    for (const instance of running.splice(0)) instance.close();
    expect(ownBpfHandles()).toEqual([]);
  });

  afterAll(() => {
    expect(ownBpfHandles()).toEqual([]);
  });

  /**
   * Start the collector with a fresh PID table. `collect` and `measure` (the
   * self-test's) keep every frame and kernel reading, and feed the fixture
   * recorder when recording.
   */
  async function start(overrides: Partial<CollectorConfig>, record?: boolean) {
    const parsed = parseAppsGroups(APPS_GROUPS, 'test apps_groups.conf');
    expect(parsed.errors).toEqual([]);
    const table = new PidTable({ apps: parsed.groups });
    const recorder = record ? new FixtureRecorder(table) : undefined;
    const logger = memoryLogger();
    const readings: ProcessReading[] = [];
    const collector = createProcessCollector({
      objectPath: OBJECT,
      onRead: (reading) => {
        readings.push(reading);
        recorder?.onRead(reading);
      },
    });
    const config = processConfig(overrides);
    const instance = await collector.start(testContext({ config, loader, grouping: table, logger }));
    running.push(instance);
    const frames: CollectorFrame[] = [];
    const collect = async (): Promise<CollectorFrame> => {
      const frame = await instance.collect();
      frames.push(frame);
      recorder?.frame(frame);
      return frame;
    };
    const measure = createMeasure({ instance: withCollect(instance, collect), grouping: table });
    return { instance, table, logger, collect, measure, frames, readings, recorder, config };
  }

  /** Whether the kernel can run a mode's programs (the loader's own probes). */
  function supported(mode: 'trampoline' | 'probe'): boolean {
    return mode === 'trampoline' ? loader.features.fentry() : loader.features.kprobe();
  }

  it('auto picks the cheapest mode that works and the report says why the others failed', async () => {
    const { instance, logger } = await start({ typeFormat: 'auto', coreTracing: 'trampoline' });
    const expected = supported('trampoline') ? 'trampoline' : supported('probe') ? 'probe' : 'tracepoint';
    expect(instance.attachMode, logger.lines.join('\n')).toBe(expected);
    const attempts = instance.report.attempts;
    const order = ['trampoline', 'probe', 'tracepoint'] as const;
    expect(attempts.map((a) => [a.mode, a.ok])).toEqual(
      order.slice(0, order.indexOf(expected) + 1).map((m) => [m, m === expected]),
    );
    // On this project's host fentry loads fail with EPERM and kprobes are not compiled in.
    const [trampoline, probe] = attempts;
    if (!supported('trampoline')) {
      expect(trampoline!.code).toBeDefined();
      expect(trampoline!.reason).toMatch(/fentry|fexit|trampoline/i);
    }
    if (expected === 'tracepoint') {
      expect(probe!.code).toBeDefined();
      expect(probe!.reason).toMatch(/kprobe/i);
    }
    console.info(`process attach report: ${JSON.stringify(instance.report)}`);
  });

  it.for(['trampoline', 'probe'] as const)('a forced %s mode fails with an AttachError where the kernel lacks it, leaving nothing loaded', async (mode, ctx) => {
    if (supported(mode)) ctx.skip();
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
    expect(ownBpfHandles()).toEqual([]);
  });

  it('probe programs pass the verifier; where kprobes or trampolines are missing the loader says not supported', async () => {
    const probe = loader.openObject(OBJECT);
    for (const p of probe.programs.values()) p.autoload = p.name.startsWith('probe_');
    const object = await probe.load();
    try {
      const attach = () => object.program('probe_release_task').attachKprobe('release_task');
      if (supported('probe')) attach();
      else expect(attach).toThrow(NotSupportedError);
    } finally {
      object.close();
    }
    const trampoline = loader.openObject(OBJECT);
    for (const p of trampoline.programs.values()) p.autoload = p.name.startsWith('trampoline_');
    trampoline.program('trampoline_kernel_clone').setAttachTarget('kernel_clone');
    const outcome = await trampoline.load().then(
      (o) => {
        o.close();
        return 'loaded';
      },
      (error: unknown) => error,
    );
    trampoline.close();
    if (supported('trampoline')) {
      expect(outcome).toBe('loaded');
    } else {
      expect(outcome).toBeInstanceOf(NotSupportedError);
      expect(outcome).not.toBeInstanceOf(VerifierError);
    }
  });

  it.for(['entry', 'return'] as const)('the shipped self-test passes in %s load mode', async (loadMode) => {
    expect(processCollector.selfTest).toBe(processSelfTest);
    const { instance, table, logger, config } = await start({ typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode });
    const result = await runSelfTest({ name: 'process', selfTest: processSelfTest, instance, config, grouping: table, logger });
    console.info(formatSelfTestResult(result));
    expect(result.error, logger.lines.join('\n')).toBeUndefined();
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    // Host bounds, apps bounds (apps are on), and the error charts only in return mode.
    const charts = new Set(result.checks.map((c) => c.chart));
    expect(charts).toContain('system.exit');
    expect(charts).toContain('apps.process_create');
    expect(charts.has('system.task_error')).toBe(loadMode === 'return');
    expect(charts.has('apps.task_error')).toBe(loadMode === 'return');
    expect(result.ok).toBe(true);
  });

  it('return mode, collect pid = real parent: host and apps charts count the workload in its group', async () => {
    const { instance, table, collect, measure, frames, readings, recorder, config } = await start(
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return', collectPid: 'real parent' },
      RECORD,
    );
    expect(instance.attachMode).toBe('tracepoint');
    expect(ownPidTables()).toEqual([['hash', Math.floor(32768 / 3)]]);

    const size = processWorkloadSize(1, { errors: true });
    expect(size).toEqual({ forks: FORKS, threads: THREADS, processErrors: PROCESS_ERRORS, threadErrors: THREAD_ERRORS });
    const { movement, run } = await runProcessWorkload({ measure }, size, {
      expectations: (r) => processExpectations(r, { returnMode: true, groups: processWorkloadGroups(r, config.collectPid, table) }),
    });
    expect(run).toMatchObject({ ...size, parentPid: process.pid });
    const [baseline, frame] = frames;
    // Releases arrive behind RCU callbacks, possibly after the first read: their bounds use the movement over every read.
    expect(chartValue(baseline!, 'system.process_thread', '_do_fork')).toBe(0n);

    // The self-test's bounds, with every key in the test group: this worker
    // (the real parent of the forker, threader and failer) and the forker
    // (the real parent of the subshells).
    const groups = processWorkloadGroups(run, config.collectPid, table);
    expect(groups).toEqual({ forks: GROUP, threads: GROUP, forkExits: GROUP, errors: GROUP });
    const checks = checkExpectations(movement, processExpectations(run, { returnMode: true, groups }));
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks).toHaveLength(11);

    // Host charts: the whole system, so at least the workload.
    expect(chartValue(frame!, 'system.process_thread', '_do_fork')).toBeGreaterThanOrEqual(BigInt(FORKS));
    expect(chartValue(frame!, 'system.process_thread', 'sys_clone')).toBeGreaterThanOrEqual(BigInt(THREADS));
    expect(chartValue(frame!, 'system.exit', 'do_exit')).toBeGreaterThanOrEqual(BigInt(FORKS + THREADS));
    expect(movement.get('system.exit.release_task')).toBeGreaterThanOrEqual(BigInt(Math.ceil((FORKS + THREADS) * RELEASE_SHARE)));
    expect(chartValue(frame!, 'system.task_error', '_do_fork')).toBeGreaterThanOrEqual(BigInt(PROCESS_ERRORS));
    expect(chartValue(frame!, 'system.task_error', 'sys_clone')).toBeGreaterThanOrEqual(BigInt(THREAD_ERRORS));
    expect(chartValue(frame!, 'system.process_status', 'process')).toBeDefined();

    // The kernel table: forks, threads and failed clones keyed by their doer's
    // real parent (this worker); the subshells' exits exactly by the forker.
    const reading = readings.at(-1);
    expect(entryOf(reading, process.pid)?.createProcess).toBeGreaterThanOrEqual(BigInt(FORKS));
    expect(entryOf(reading, process.pid)?.createThread).toBeGreaterThanOrEqual(BigInt(THREADS));
    expect(entryOf(reading, process.pid)?.taskError).toBe(BigInt(PROCESS_ERRORS + THREAD_ERRORS));
    expect(entryOf(reading, run.pids.forker)?.exit).toBe(BigInt(FORKS));
    expect(entryOf(reading, run.pids.forker)?.createProcess ?? 0n).toBe(0n);

    // Apps: everything of the workload in the test group.
    expect(table.exposedApps()).toContain(GROUP);
    expect(chartValue(frame!, 'apps.process_create', GROUP)).toBeGreaterThanOrEqual(BigInt(FORKS));
    expect(chartValue(frame!, 'apps.thread_create', GROUP)).toBeGreaterThanOrEqual(BigInt(THREADS));
    expect(chartValue(frame!, 'apps.task_exit', GROUP)).toBeGreaterThanOrEqual(BigInt(FORKS + THREADS));
    expect(movement.get(`apps.task_close.${GROUP}`)).toBeGreaterThanOrEqual(BigInt(Math.ceil((FORKS + THREADS) * RELEASE_SHARE)));
    expect(chartValue(frame!, 'apps.task_error', GROUP)).toBe(BigInt(PROCESS_ERRORS + THREAD_ERRORS));
    // Nothing of the workload lands in a group that did not run it.
    expect(table.appOf(run.pids.failer!)).toBe('perl');
    expect(chartValue(frame!, 'apps.process_create', 'perl') ?? 0n).toBeLessThan(BigInt(FORKS));
    expect(chartValue(frame!, 'apps.task_error', 'perl') ?? 0n).toBe(0n);

    // Dead keys were dropped from the kernel table after they were read: a quiet tick reads fewer.
    table.scan();
    const quiet = await collect();
    expect(chartValue(quiet, 'apps.process_create', GROUP)).toBe(0n);

    if (recorder) {
      const fixture: ProcessFixture = {
        description:
          'tracepoint mode, return load mode, collect pid = real parent, HASH pid table; the self-test workload (forks, threads, failing clones) started by <comm>',
        recorded: {
          kernel: release(),
          date: new Date().toISOString().slice(0, 10),
          attachMode: instance.attachMode,
          loadMode: config.loadMode,
          collectPid: config.collectPid,
          mapsPerCore: config.mapsPerCore,
        },
        workload: { comm: ownComm(), group: GROUP, forks: FORKS, threads: THREADS, processErrors: PROCESS_ERRORS, threadErrors: THREAD_ERRORS },
        ticks: recorder.ticks,
      };
      writeFixture(`${FIXTURES}/tracepoint-return-real-parent.json`, fixture);
    }
  });

  it('entry mode, collect pid = all, maps per core: creations are keyed by the forking process itself', async () => {
    const { table, measure, frames, readings, recorder, config, instance } = await start(
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'entry', collectPid: 'all', mapsPerCore: true },
      RECORD,
    );
    expect(ownPidTables()).toEqual([['percpu_hash', 32768]]);

    const size = processWorkloadSize(1, { errors: false });
    const { movement, run } = await runProcessWorkload({ measure }, size, {
      expectations: (r) => processExpectations(r, { returnMode: false, groups: processWorkloadGroups(r, config.collectPid, table) }),
    });
    const [baseline, frame] = frames;
    expect(baseline!.charts.map((c) => chartKey(c.chart))).not.toContain('system.task_error');
    expect(frame!.charts.map((c) => chartKey(c.chart))).not.toContain('system.task_error');
    expect(frame!.charts.map((c) => chartKey(c.chart))).not.toContain('apps.task_error');

    // With `all` the forker and the threader are the keys; the subshells key their own exits and are gone.
    const groups = processWorkloadGroups(run, config.collectPid, table);
    expect(groups).toEqual({ forks: GROUP, threads: GROUP });
    const checks = checkExpectations(movement, processExpectations(run, { returnMode: false, groups }));
    expect(checks.filter((c) => !c.ok)).toEqual([]);

    const reading = readings.at(-1);
    expect(entryOf(reading, run.pids.forker)?.createProcess).toBe(BigInt(FORKS));
    expect(entryOf(reading, run.pids.threader)?.createThread).toBeGreaterThanOrEqual(BigInt(THREADS));
    expect(entryOf(reading, run.pids.threader)?.exit).toBeGreaterThanOrEqual(BigInt(THREADS));

    expect(chartValue(frame!, 'system.process_thread', '_do_fork')).toBeGreaterThanOrEqual(BigInt(FORKS));
    expect(chartValue(frame!, 'system.process_thread', 'sys_clone')).toBeGreaterThanOrEqual(BigInt(THREADS));
    expect(chartValue(frame!, 'apps.process_create', GROUP)).toBeGreaterThanOrEqual(BigInt(FORKS));
    expect(chartValue(frame!, 'apps.thread_create', GROUP)).toBeGreaterThanOrEqual(BigInt(THREADS));

    if (recorder) {
      writeFixture(`${FIXTURES}/tracepoint-entry-all-percpu.json`, {
        description:
          'tracepoint mode, entry load mode, collect pid = all, PERCPU_HASH pid table (maps per core); the self-test workload (forks, threads) started by <comm>',
        recorded: {
          kernel: release(),
          date: new Date().toISOString().slice(0, 10),
          attachMode: instance.attachMode,
          loadMode: config.loadMode,
          collectPid: config.collectPid,
          mapsPerCore: config.mapsPerCore,
        },
        workload: { comm: ownComm(), group: GROUP, forks: FORKS, threads: THREADS, processErrors: 0, threadErrors: 0 },
        ticks: recorder.ticks,
      });
    }
  });

  it('apps and cgroups off: a one-entry pid table, host charts only, counts still move', async () => {
    const { instance, measure, frames } = await start({
      typeFormat: 'co-re',
      coreTracing: 'tracepoint',
      apps: false,
      cgroups: false,
    });
    expect(ownPidTables()).toEqual([['hash', 1]]);
    expect(instance.charts().map((c) => chartKey(c))).toEqual(['system.process_thread', 'system.exit', 'system.process_status']);
    const { movement, run } = await runProcessWorkload({ measure }, processWorkloadSize(1, { errors: false }), {
      expectations: (r) => processExpectations(r, { returnMode: false }),
    });
    expect(frames[1]!.charts.map((c) => chartKey(c.chart))).toEqual(['system.process_thread', 'system.exit', 'system.process_status']);
    expect(chartValue(frames[1]!, 'system.process_thread', '_do_fork')).toBeGreaterThanOrEqual(BigInt(FORKS));
    // Without groups the self-test asks for host bounds only, and they hold.
    const checks = checkExpectations(movement, processExpectations(run, { returnMode: false }));
    expect(checks.map((c) => c.chart).every((c) => c.startsWith('system.'))).toBe(true);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });

  it('a stock configuration keeps apps charts in tracepoint mode (core turns them off for probe mode only)', async () => {
    const { instance, table, logger } = await start({
      typeFormat: 'co-re',
      coreTracing: 'tracepoint',
      origin: 'stock',
      apps: true,
    });
    table.scan();
    expect(instance.charts().map((c) => chartKey(c))).toContain('apps.process_create');
    expect(logger.lines.join('\n')).not.toMatch(/charts are off/);
  });

  it('close() detaches everything and collect() afterwards says so', async () => {
    const { instance } = await start({ typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return' });
    expect(ownBpfHandles().length).toBeGreaterThan(0);
    instance.close();
    instance.close();
    expect(ownBpfHandles()).toEqual([]);
    expect(() => instance.collect()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
  });

  it(`entry mode with the raw_tp sched programs (${TRACEPOINT_KIND_ENV}=raw_tp, probe reads): forks, threads, exits and releases counted as with tp_btf`, async () => {
    const saved = process.env[TRACEPOINT_KIND_ENV];
    process.env[TRACEPOINT_KIND_ENV] = 'raw_tp';
    try {
      const { instance, table, measure, config } = await start({ typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'entry', collectPid: 'real parent' });
      expect(instance.attachMode).toBe('tracepoint');
      const expectations = (r: Parameters<typeof processExpectations>[0]) =>
        processExpectations(r, { returnMode: false, groups: processWorkloadGroups(r, config.collectPid, table) });
      const { movement, run } = await runProcessWorkload({ measure }, processWorkloadSize(1, { errors: false }), { expectations });
      const checks = checkExpectations(movement, expectations(run));
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      expect(checks.length).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env[TRACEPOINT_KIND_ENV];
      else process.env[TRACEPOINT_KIND_ENV] = saved;
    }
  });

  // Last: a generic exit planned here stays planned for this process (the kit shares it with later plans).
  for (const hook of ['tp_btf', 'raw_tp'] as const) {
    it(`return mode on the generic sys_exit (${SYSCALL_EXIT_HOOK_ENV}=${hook}): failed clones as thread or process errors, from the entry registers`, async () => {
      const saved = process.env[SYSCALL_EXIT_HOOK_ENV];
      process.env[SYSCALL_EXIT_HOOK_ENV] = hook;
      try {
        const { instance, table, measure, config, logger } = await start(
          { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return', collectPid: 'real parent' },
          false,
        );
        expect(logger.lines.join('\n')).toContain(`sys_exit (${hook})`);
        const size = processWorkloadSize(1, { errors: true });
        const { movement, run } = await runProcessWorkload({ measure }, size, {
          expectations: (r) => processExpectations(r, { returnMode: true, groups: processWorkloadGroups(r, config.collectPid, table) }),
        });
        expect(run).toMatchObject(size);
        expect(movement.get('system.task_error._do_fork')).toBeGreaterThanOrEqual(BigInt(PROCESS_ERRORS));
        expect(movement.get('system.task_error.sys_clone')).toBeGreaterThanOrEqual(BigInt(THREAD_ERRORS));
        expect(movement.get(`apps.task_error.${GROUP}`)).toBe(BigInt(PROCESS_ERRORS + THREAD_ERRORS));
        expect(instance.attachMode).toBe('tracepoint');
      } finally {
        if (saved === undefined) delete process.env[SYSCALL_EXIT_HOOK_ENV];
        else process.env[SYSCALL_EXIT_HOOK_ENV] = saved;
      }
    });
  }

  it('the object exists where the package says', () => {
    expect(existsSync(OBJECT)).toBe(true);
  });
});
