/**
 * Chart definitions and chart math, without a kernel.
 */
import { describe, expect, it } from 'vitest';
import { CounterDeltas, chartKey, counterDelta, type ChartDefinition, type CollectorFrame } from '@ebpf-collectors/core';
import { ProcessChartBuilder, processStatus } from '../src/charts.js';
import { decodeCounters, decodePidTable, pidTableEntries } from '../src/index.js';
import { COUNTER } from '../src/internal-types.js';

const lanes = (exit: number, release: number, proc: number, procErr: number, thread: number, threadErr: number) =>
  [exit, release, proc, procErr, thread, threadErr].map(BigInt);

function byKey(frame: CollectorFrame): Map<string, ReadonlyMap<string, bigint>> {
  return new Map(frame.charts.map((c) => [chartKey(c.chart), c.values]));
}

function definition(charts: ChartDefinition[], key: string): ChartDefinition {
  const found = charts.find((c) => chartKey(c) === key);
  if (!found) throw new Error(`${key} missing from ${charts.map(chartKey).join(', ')}`);
  return found;
}

describe('host chart definitions (Netdata 1.37.1 process thread)', () => {
  const builder = new ProcessChartBuilder({ updateEvery: 5, returnMode: true, apps: false, cgroups: false });
  const charts = builder.charts();

  it('declares the four system charts in order, return mode included', () => {
    expect(charts.map(chartKey)).toEqual(['system.process_thread', 'system.exit', 'system.process_status', 'system.task_error']);
    for (const c of charts) {
      expect(c).toMatchObject({ family: 'processes', context: '', chartType: 'line', updateEvery: 5, module: 'process' });
    }
  });

  it('uses Netdata titles, units, priorities and dimensions', () => {
    expect(definition(charts, 'system.process_thread')).toMatchObject({
      title: 'Start process',
      units: 'calls/s',
      priority: 21002,
      dimensions: [
        { id: '_do_fork', name: 'process', algorithm: 'absolute' },
        { id: 'sys_clone', name: 'thread', algorithm: 'absolute' },
      ],
    });
    expect(definition(charts, 'system.exit')).toMatchObject({
      title: 'Exit process',
      units: 'calls/s',
      priority: 21003,
      dimensions: [
        { id: 'do_exit', name: 'process', algorithm: 'absolute' },
        // Netdata draws releases below zero; the multiplier does it, the value stays a count.
        { id: 'release_task', name: 'task', algorithm: 'absolute', multiplier: -1 },
      ],
    });
    expect(definition(charts, 'system.process_status')).toMatchObject({
      title: 'Process not closed',
      units: 'difference',
      priority: 21004,
      dimensions: [
        { id: 'process', algorithm: 'absolute' },
        { id: 'zombie', algorithm: 'absolute' },
      ],
    });
    expect(definition(charts, 'system.task_error')).toMatchObject({
      title: 'Fails to create process',
      units: 'calls/s',
      priority: 21005,
      dimensions: [
        { id: '_do_fork', name: 'process', algorithm: 'absolute' },
        { id: 'sys_clone', name: 'thread', algorithm: 'absolute' },
      ],
    });
  });

  it('has no error chart in entry mode', () => {
    const entry = new ProcessChartBuilder({ updateEvery: 1, returnMode: false, apps: true, cgroups: false });
    expect(entry.charts(['a']).map(chartKey)).toEqual([
      'system.process_thread',
      'system.exit',
      'system.process_status',
      'apps.process_create',
      'apps.thread_create',
      'apps.task_exit',
      'apps.task_close',
    ]);
  });
});

describe('per-group chart definitions', () => {
  const builder = new ProcessChartBuilder({ updateEvery: 1, returnMode: true, apps: true, cgroups: true });

  it('apps: one absolute dimension per exposed group, stacked, priorities 20065-20069, no context', () => {
    const apps = builder.charts(['ssh', 'other']).filter((c) => c.type === 'apps');
    expect(apps.map((c) => [c.id, c.title, c.priority])).toEqual([
      ['process_create', 'Process started', 20065],
      ['thread_create', 'Threads started', 20066],
      ['task_exit', 'Tasks starts exit process.', 20067],
      ['task_close', 'Tasks closed', 20068],
      ['task_error', 'Errors to create process or threads.', 20069],
    ]);
    for (const c of apps) {
      expect(c).toMatchObject({ family: 'processes', context: '', chartType: 'stacked', units: 'calls/s' });
      expect(c.dimensions).toEqual([
        { id: 'ssh', algorithm: 'absolute' },
        { id: 'other', algorithm: 'absolute' },
      ]);
    }
  });

  it('cgroups and services: incremental totals, Netdata contexts, titles that match the data', () => {
    const frame = builder.frame({
      counters: lanes(0, 0, 0, 0, 0, 0),
      cgroups: { names: ['docker-1'], totals: new Map([['docker-1', [1n, 2n, 3n, 4n, 5n]]]) },
      services: { names: ['ssh'], totals: new Map([['ssh', [10n, 20n, 30n, 40n, 50n]]]) },
    });
    const cg = frame.charts.filter((c) => c.chart.type === 'cgroup_docker-1');
    expect(cg.map((c) => [c.chart.id, c.chart.context, c.chart.priority, c.chart.family, c.chart.chartType])).toEqual([
      ['process_create', 'cgroup.process_create', 45000, 'processes (eBPF)', 'line'],
      ['thread_create', 'cgroup.thread_create', 45001, 'processes (eBPF)', 'line'],
      ['task_exit', 'cgroup.task_exit', 45002, 'processes (eBPF)', 'line'],
      ['task_close', 'cgroup.task_close', 45003, 'processes (eBPF)', 'line'],
      ['task_error', 'cgroup.task_error', 45004, 'processes (eBPF)', 'line'],
    ]);
    expect(cg.map((c) => [...c.values])).toEqual([
      [['_do_fork', 3n]],
      [['sys_clone', 4n]],
      [['do_exit', 1n]],
      [['release_task', 2n]],
      [['do_exit', 5n]],
    ]);
    for (const c of cg) expect(c.chart.dimensions.every((d) => d.algorithm === 'incremental')).toBe(true);

    const svc = frame.charts.filter((c) => c.chart.type === 'services');
    expect(svc.map((c) => [c.chart.id, c.chart.title, c.chart.context, c.chart.priority])).toEqual([
      ['process_create', 'Process started', 'services.process_create', 20065],
      ['thread_create', 'Threads started', 'services.thread_create', 20066],
      ['task_exit', 'Tasks starts exit process.', 'services.task_exit', 20067],
      ['task_close', 'Tasks closed', 'services.task_close', 20068],
      ['task_error', 'Errors to create process or threads.', 'services.task_error', 20069],
    ]);
    expect(svc.map((c) => c.values.get('ssh'))).toEqual([30n, 40n, 10n, 20n, 50n]);
    for (const c of svc) expect(c.chart).toMatchObject({ family: 'process (eBPF)', chartType: 'stacked' });
  });

  it('marks the charts of a vanished cgroup obsolete, once', () => {
    const b = new ProcessChartBuilder({ updateEvery: 1, returnMode: false, apps: false, cgroups: true });
    const totals = new Map([['a', [0n, 0n, 0n, 0n, 0n]]]);
    b.frame({ counters: lanes(0, 0, 0, 0, 0, 0), cgroups: { names: ['a'], totals } });
    const gone = b.frame({ counters: lanes(0, 0, 0, 0, 0, 0), cgroups: { names: [], totals: new Map() } });
    expect(gone.obsolete).toEqual([
      'cgroup_a.process_create',
      'cgroup_a.thread_create',
      'cgroup_a.task_exit',
      'cgroup_a.task_close',
    ]);
    const after = b.frame({ counters: lanes(0, 0, 0, 0, 0, 0), cgroups: { names: [], totals: new Map() } });
    expect(after.obsolete).toBeUndefined();
  });

  it('emits no group chart before a group exists (a chart needs a dimension)', () => {
    const b = new ProcessChartBuilder({ updateEvery: 1, returnMode: false, apps: true, cgroups: true });
    const frame = b.frame({
      counters: lanes(0, 0, 0, 0, 0, 0),
      apps: { names: [], totals: new Map() },
      services: { names: [], totals: new Map() },
    });
    expect(frame.charts.map((c) => c.chart.type)).toEqual(['system', 'system', 'system']);
  });
});

describe('host chart math', () => {
  it('counterDelta treats a smaller reading as a restart', () => {
    expect(counterDelta(10n, 25n)).toBe(15n);
    expect(counterDelta(10n, 10n)).toBe(0n);
    expect(counterDelta(100n, 7n)).toBe(7n);
  });

  it('the first tick is a baseline of zeros, then per-interval differences', () => {
    // The host charts take their deltas from core's CounterDeltas.
    expect(new CounterDeltas().next(lanes(5, 5, 5, 5, 5, 5))).toEqual(lanes(0, 0, 0, 0, 0, 0));
    const deltas = new CounterDeltas();
    deltas.next(lanes(1, 2, 3, 4, 5, 6));
    expect(deltas.next(lanes(11, 12, 13, 14, 15, 16))).toEqual(lanes(10, 10, 10, 10, 10, 10));
  });

  it('process_status: created minus exited, exited minus released', () => {
    // 300 processes + 50 threads created, 340 exited, 330 released.
    const delta = lanes(340, 330, 300, 0, 50, 0);
    expect(processStatus(delta)).toEqual({ process: 10n, zombie: 10n });
    expect(processStatus(lanes(5, 9, 1, 0, 0, 0))).toEqual({ process: -4n, zombie: -4n });
  });

  it('a frame carries the deltas on the Netdata dimension ids', () => {
    const b = new ProcessChartBuilder({ updateEvery: 1, returnMode: true, apps: false, cgroups: false });
    b.frame({ counters: lanes(100, 90, 80, 1, 20, 2) });
    const frame = byKey(b.frame({ counters: lanes(450, 430, 380, 6, 70, 9) }));
    expect([...frame.get('system.process_thread')!]).toEqual([
      ['_do_fork', 300n],
      ['sys_clone', 50n],
    ]);
    expect([...frame.get('system.exit')!]).toEqual([
      ['do_exit', 350n],
      ['release_task', 340n],
    ]);
    expect([...frame.get('system.process_status')!]).toEqual([
      ['process', 0n],
      ['zombie', 10n],
    ]);
    expect([...frame.get('system.task_error')!]).toEqual([
      ['_do_fork', 5n],
      ['sys_clone', 7n],
    ]);
  });
});

describe('apps chart math', () => {
  it('sends per-interval counts per group; a group first seen later counts from zero', () => {
    const b = new ProcessChartBuilder({ updateEvery: 1, returnMode: false, apps: true, cgroups: false });
    const t = (entries: Array<[string, number[]]>) => new Map(entries.map(([k, v]) => [k, v.map(BigInt)]));
    const first = byKey(b.frame({ counters: lanes(0, 0, 0, 0, 0, 0), apps: { names: ['a'], totals: t([['a', [1, 1, 7, 1, 0]]]) } }));
    expect(first.get('apps.process_create')!.get('a')).toBe(0n);
    const second = byKey(
      b.frame({
        counters: lanes(0, 0, 0, 0, 0, 0),
        apps: { names: ['a', 'b'], totals: t([['a', [1, 1, 10, 1, 0]], ['b', [0, 0, 4, 2, 0]]]) },
      }),
    );
    expect(second.get('apps.process_create')!.get('a')).toBe(3n);
    expect(second.get('apps.process_create')!.get('b')).toBe(4n);
    expect(second.get('apps.thread_create')!.get('b')).toBe(2n);
  });

  it('a group exposed after it accumulated starts from what it had when last seen', () => {
    const b = new ProcessChartBuilder({ updateEvery: 1, returnMode: false, apps: true, cgroups: false });
    const t = (v: number) => new Map([['late', [0n, 0n, BigInt(v), 0n, 0n]]]);
    b.frame({ counters: lanes(0, 0, 0, 0, 0, 0), apps: { names: [], totals: t(5) } });
    b.frame({ counters: lanes(0, 0, 0, 0, 0, 0), apps: { names: [], totals: t(8) } });
    const exposed = byKey(b.frame({ counters: lanes(0, 0, 0, 0, 0, 0), apps: { names: ['late'], totals: t(9) } }));
    expect(exposed.get('apps.process_create')!.get('late')).toBe(1n);
  });
});

describe('map sizing and decoding', () => {
  it('sizes the pid table by collect pid as Netdata does, 1 entry when nothing per PID is kept', () => {
    expect(pidTableEntries({ pidTableSize: 32768, collectPid: 'real parent' }, true)).toBe(10922);
    expect(pidTableEntries({ pidTableSize: 32768, collectPid: 'parent' }, true)).toBe(16384);
    expect(pidTableEntries({ pidTableSize: 32768, collectPid: 'all' }, true)).toBe(32768);
    expect(pidTableEntries({ pidTableSize: 32768, collectPid: 'not set' }, true)).toBe(10922);
    expect(pidTableEntries({ pidTableSize: 2, collectPid: 'real parent' }, true)).toBe(1);
    expect(pidTableEntries({ pidTableSize: 32768, collectPid: 'all' }, false)).toBe(1);
  });

  it('decodes counters and pid entries from the kernel layout', () => {
    expect(decodeCounters(lanes(1, 2, 3, 4, 5, 6))).toEqual({
      exit: 1n,
      release: 2n,
      newProcess: 3n,
      processError: 4n,
      newThread: 5n,
      threadError: 6n,
    });
    expect(() => decodeCounters([1n])).toThrow(RangeError);
    const keys = Buffer.alloc(8);
    keys.writeUInt32LE(42, 0);
    keys.writeUInt32LE(7, 4);
    const values = Buffer.alloc(80);
    for (let i = 0; i < 10; i++) values.writeBigUInt64LE(BigInt(i + 1), i * 8);
    expect(decodePidTable({ count: 2, keys, values })).toEqual([
      { pid: 42, values: [1n, 2n, 3n, 4n, 5n] },
      { pid: 7, values: [6n, 7n, 8n, 9n, 10n] },
    ]);
    expect(() => decodePidTable({ count: 3, keys, values })).toThrow(RangeError);
    expect(COUNTER.newProcess).toBe(2);
  });
});
