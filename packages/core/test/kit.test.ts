import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PER_CPU_PID_TABLE_BUDGET,
  pidTableKind,
  possibleCpuCount,
  CounterDeltas,
  GroupChartBuilder,
  counterDelta,
  decodePidLanes,
  pidTableEntries,
  type GroupMetric,
} from '../src/index.js';

const calls: GroupMetric = {
  id: 'calls',
  title: 'Calls',
  units: 'calls/s',
  value: (l) => l[0] ?? 0n,
  apps: { family: 'f', context: '', chartType: 'stacked', priority: 1, algorithm: 'incremental' },
  services: { family: 'f', context: 'services.calls', chartType: 'stacked', priority: 2, algorithm: 'absolute' },
  cgroup: { family: 'f (eBPF)', context: 'cgroup.calls', chartType: 'line', priority: 3, algorithm: 'incremental', dimension: { id: 'calls', name: 'call' } },
};

describe('counters', () => {
  it('a smaller reading is a restart: all of it is new', () => {
    expect(counterDelta(10n, 15n)).toBe(5n);
    expect(counterDelta(10n, 3n)).toBe(3n);
  });
  it('the first reading is a baseline of zeros, then differences', () => {
    const d = new CounterDeltas();
    expect(d.next([5n, 7n])).toEqual([0n, 0n]);
    expect(d.next([8n, 7n])).toEqual([3n, 0n]);
    expect(d.next([1n, 9n])).toEqual([1n, 2n]);
  });
});

describe('pid tables', () => {
  it('are sized by collect pid like Netdata, and 1 entry without apps/cgroups', () => {
    expect(pidTableEntries({ pidTableSize: 32768, collectPid: 'real parent' }, true)).toBe(10922);
    expect(pidTableEntries({ pidTableSize: 32768, collectPid: 'parent' }, true)).toBe(16384);
    expect(pidTableEntries({ pidTableSize: 32768, collectPid: 'all' }, true)).toBe(32768);
    expect(pidTableEntries({ pidTableSize: 32768, collectPid: 'all' }, false)).toBe(1);
  });
  it('decode u32 keys and u64 lanes', () => {
    const keys = Buffer.alloc(8);
    keys.writeUInt32LE(42, 0);
    keys.writeUInt32LE(7, 4);
    const values = Buffer.alloc(32);
    values.writeBigUInt64LE(1n, 0);
    values.writeBigUInt64LE(2n, 8);
    values.writeBigUInt64LE(3n, 16);
    values.writeBigUInt64LE(4n, 24);
    expect(decodePidLanes({ count: 2, keys, values }, 2)).toEqual([
      { pid: 42, values: [1n, 2n] },
      { pid: 7, values: [3n, 4n] },
    ]);
    expect(() => decodePidLanes({ count: 3, keys, values }, 2, 'tbl')).toThrow(/tbl: 3 entries need/);
  });
});

describe('GroupChartBuilder', () => {
  it('apps charts carry one dimension per group and send monotonic totals for incremental styles', () => {
    const b = new GroupChartBuilder({ module: 'm', updateEvery: 5, metrics: [calls] });
    const [chart] = b.apps(['web', 'other'], new Map([['web', [10n]]]));
    expect(chart?.chart).toMatchObject({ type: 'apps', id: 'calls', chartType: 'stacked', updateEvery: 5, module: 'm' });
    expect(chart?.chart.dimensions.map((d) => d.id)).toEqual(['web', 'other']);
    expect([...(chart?.values ?? [])]).toEqual([
      ['web', 10n],
      ['other', 0n],
    ]);
  });

  it('absolute styles send per-interval differences, starting from a zero baseline', () => {
    const b = new GroupChartBuilder({ module: 'm', updateEvery: 1, metrics: [calls] });
    expect(b.services(['ssh'], new Map([['ssh', [4n]]]))[0]?.values.get('ssh')).toBe(0n);
    expect(b.services(['ssh'], new Map([['ssh', [9n]]]))[0]?.values.get('ssh')).toBe(5n);
  });

  it('cgroup charts: one chart set per cgroup, obsolete once when the cgroup goes away', () => {
    const b = new GroupChartBuilder({ module: 'm', updateEvery: 1, metrics: [calls] });
    const first = b.cgroups(['a', 'b'], new Map([['a', [3n]]]));
    expect(first.charts.map((c) => `${c.chart.type}.${c.chart.id}`)).toEqual(['cgroup_a.calls', 'cgroup_b.calls']);
    expect(first.charts[0]?.chart.dimensions).toEqual([{ id: 'calls', name: 'call', algorithm: 'incremental' }]);
    expect(first.charts[0]?.values.get('calls')).toBe(3n);
    expect(first.obsolete).toEqual([]);
    const second = b.cgroups(['a'], new Map());
    expect(second.obsolete).toEqual(['cgroup_b.calls']);
    expect(b.cgroups(['a'], new Map()).obsolete).toEqual([]);
  });
});

describe('GroupChartBuilder baselines', () => {
  const abs: GroupMetric = { ...calls, apps: { ...calls.apps!, algorithm: 'absolute' } };

  it('a group charted after the first tick reports what it gained since the previous tick', () => {
    const b = new GroupChartBuilder({ module: 'm', updateEvery: 1, metrics: [abs] });
    // tick 1: only "web" is exposed; "db" already has totals (the accumulator saw it)
    expect(b.apps(['web'], new Map([['web', [5n]], ['db', [3n]]]))[0]?.values.get('web')).toBe(0n);
    // tick 2: "db" is exposed now; it gained 4 since tick 1, a brand-new "cache" gained 2 from nothing
    const values = b.apps(['web', 'db', 'cache'], new Map([['web', [6n]], ['db', [7n]], ['cache', [2n]]]))[0]?.values;
    expect([...(values ?? [])]).toEqual([
      ['web', 1n],
      ['db', 4n],
      ['cache', 2n],
    ]);
  });

  it('definitions() describes the charts without moving any baseline', () => {
    const b = new GroupChartBuilder({ module: 'm', updateEvery: 1, metrics: [abs] });
    expect(b.definitions('apps', ['a', 'b']).map((c) => c.dimensions.map((d) => d.id))).toEqual([['a', 'b']]);
    expect(b.apps(['a'], new Map([['a', [9n]]]))[0]?.values.get('a')).toBe(0n);
  });
});

describe('maps per core', () => {
  it('is followed while the per-CPU values fit the budget, overruled with the sizes said beyond it', () => {
    expect(pidTableKind(false, 10922, 80, 2)).toEqual({ perCpu: false });
    expect(pidTableKind(true, 10922, 80, 2)).toEqual({ perCpu: true });
    // 10922 x 80 B x 8 CPUs = 6.7 MiB: still per-CPU; x 64 CPUs = 53 MiB: a plain hash.
    expect(pidTableKind(true, 10922, 80, 8).perCpu).toBe(true);
    const big = pidTableKind(true, 10922, 80, 64);
    expect(big.perCpu).toBe(false);
    expect(big.reason).toBe(
      'maps per core: a per-CPU table of 10922 PIDs would hold 53.3 MiB of values on 64 possible CPUs (more than 8.0 MiB); ' +
        'a plain hash (0.8 MiB, atomic adds) is used instead',
    );
    // Values are rounded up to 8 bytes per CPU, as the kernel stores them.
    expect(pidTableKind(true, PER_CPU_PID_TABLE_BUDGET / 8, 1, 1).perCpu).toBe(true);
    expect(pidTableKind(true, PER_CPU_PID_TABLE_BUDGET / 8, 1, 2).perCpu).toBe(false);
  });

  it('counts the possible CPUs from the kernel list, and falls back to the CPUs Node sees', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfc-cpus-'));
    try {
      const file = join(dir, 'possible');
      for (const [text, n] of [['0-63\n', 64], ['0\n', 1], ['0,2-5\n', 5]] as const) {
        writeFileSync(file, text);
        expect(possibleCpuCount(file)).toBe(n);
      }
      writeFileSync(file, 'garbage\n');
      expect(possibleCpuCount(file)).toBeGreaterThan(0);
      expect(possibleCpuCount(join(dir, 'missing'))).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
