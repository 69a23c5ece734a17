/** The oomkill chart math, victim decoding and attribution on made-up readings. */
import { describe, expect, it } from 'vitest';
import type { ProcessGrouping } from '@ebpf-collectors/core';
import { chartKey, parseAppsGroups } from '@ebpf-collectors/core';
import { OomkillCharts, attributeVictim, cgroupMounts, decodeVictims, expectedCgroup, type OomVictim } from '../src/index.js';

function grouping(known: Record<number, { app: string; cgroup?: string; service?: string }> = {}): ProcessGrouping {
  return {
    appOf: (pid) => known[pid]?.app,
    cgroupOf: (pid) => known[pid]?.cgroup,
    serviceOf: (pid) => known[pid]?.service,
    exposedApps: () => ['shells', 'other'],
    cgroups: () => [],
    services: () => [],
    isAlive: () => false,
  };
}

const victim = (over: Partial<OomVictim> = {}): OomVictim => ({
  pid: 4242,
  kills: 1n,
  comm: 'hog',
  ppid: 100,
  cgroupIds: [0n, 0n, 0n, 0n, 0n],
  self: true,
  ...over,
});

function value(frame: { charts: ReadonlyArray<{ chart: { type: string; id: string }; values: ReadonlyMap<string, bigint> }> }, key: string, dim: string) {
  return frame.charts.find((c) => chartKey(c.chart as never) === key)?.values.get(dim);
}

describe('decodeVictims', () => {
  it('reads keys and struct ebpfc_oomkill_victim values', () => {
    const keys = Buffer.alloc(4);
    keys.writeUInt32LE(777);
    const values = Buffer.alloc(72);
    values.writeBigUInt64LE(2n, 0);
    values.writeBigUInt64LE(11n, 8 + 2 * 8);
    values.writeUInt32LE(55, 48);
    values.writeUInt32LE(1, 52);
    values.write('ebpfcoomhog', 56);
    expect(decodeVictims(1, keys, values)).toEqual([
      { pid: 777, kills: 2n, comm: 'ebpfcoomhog', ppid: 55, cgroupIds: [0n, 0n, 11n, 0n, 0n], self: true },
    ]);
  });

  it('says what is short', () => {
    expect(() => decodeVictims(2, Buffer.alloc(4), Buffer.alloc(72))).toThrow(/tbl_oomkill: 2 entries/);
  });
});

describe('attributeVictim', () => {
  const apps = parseAppsGroups('hogs: hog\nshells: sh bash\n', 'test').groups;

  it('keeps what the PID table knows about a victim it saw', () => {
    const g = grouping({ 4242: { app: 'shells', cgroup: 'docker_abc' } });
    expect(attributeVictim(victim(), { grouping: g, apps })).toEqual({ app: 'shells', cgroup: 'docker_abc' });
  });

  it('matches a victim the scan never saw by its name, then its parent, then other', () => {
    const g = grouping({ 100: { app: 'shells' } });
    expect(attributeVictim(victim(), { grouping: g, apps }).app).toBe('hogs');
    expect(attributeVictim(victim({ comm: 'perl' }), { grouping: g, apps }).app).toBe('shells');
    expect(attributeVictim(victim({ comm: 'perl', ppid: 5 }), { grouping: g, apps }).app).toBe('other');
  });

  it('takes the cgroup or service from the recorded cgroup ids', () => {
    const g = grouping();
    const classify = () => ({ kind: 'cgroup' as const, name: 'oomtest', path: '/sys/fs/cgroup/memory/oomtest' });
    expect(attributeVictim(victim(), { grouping: g, apps, classify })).toEqual({
      app: 'hogs',
      cgroup: 'oomtest',
      cgroupPath: '/sys/fs/cgroup/memory/oomtest',
    });
    const service = () => ({ kind: 'service' as const, name: 'ssh', path: '/x' });
    expect(attributeVictim(victim(), { grouping: g, apps, classify: service })).toMatchObject({ service: 'ssh' });
  });
});

describe('OomkillCharts', () => {
  const tick = (kills: Array<{ app: string; cgroup?: string; cgroupPath?: string; n?: bigint }>, unrecorded = 0n) => ({
    kills: kills.map((k) => ({
      kills: k.n ?? 1n,
      attribution: { app: k.app, ...(k.cgroup ? { cgroup: k.cgroup } : {}), ...(k.cgroupPath ? { cgroupPath: k.cgroupPath } : {}) },
    })),
    unrecorded,
    exposedApps: ['shells', 'other'],
    cgroups: [],
    services: [],
  });

  it('charts kills per interval (absolute) in the victim group, which keeps its dimension', () => {
    const charts = new OomkillCharts({ updateEvery: 1, apps: true, cgroups: false, appOrder: ['hogs', 'shells', 'other'] });
    const first = charts.frame(tick([]));
    expect(value(first, 'apps.oomkills', 'shells')).toBe(0n);
    const second = charts.frame(tick([{ app: 'hogs' }, { app: 'hogs' }], 1n));
    expect(value(second, 'apps.oomkills', 'hogs')).toBe(2n);
    expect(value(second, 'apps.oomkills', 'other')).toBe(1n);
    expect(second.charts[0]!.chart.dimensions.map((d) => d.id)).toEqual(['hogs', 'shells', 'other']);
    const third = charts.frame(tick([]));
    expect(value(third, 'apps.oomkills', 'hogs')).toBe(0n);
    expect(charts.charts(['other']).map((c) => `${c.type}.${c.id}`)).toEqual(['apps.oomkills']);
  });

  it('charts a killed cgroup while its directory exists, then obsoletes it', () => {
    let exists = true;
    const charts = new OomkillCharts({ updateEvery: 1, apps: true, cgroups: true, exists: () => exists });
    charts.frame(tick([]));
    const killed = charts.frame(tick([{ app: 'hogs', cgroup: 'oomtest', cgroupPath: '/cg/oomtest' }]));
    expect(value(killed, 'cgroup_oomtest.oomkills', 'oomkill')).toBe(1n);
    const def = killed.charts.find((c) => c.chart.type === 'cgroup_oomtest')!.chart;
    expect(def).toMatchObject({ context: 'cgroup.oomkills', title: 'OOM kills. This chart is provided by eBPF plugin.', priority: 45600 });
    expect(value(charts.frame(tick([])), 'cgroup_oomtest.oomkills', 'oomkill')).toBe(0n);
    exists = false;
    expect(charts.frame(tick([])).obsolete).toEqual(['cgroup_oomtest.oomkills']);
  });

  it('charts a killed cgroup without a known directory in the tick of the kill only', () => {
    const charts = new OomkillCharts({ updateEvery: 1, apps: false, cgroups: true, exists: () => true });
    charts.frame(tick([]));
    expect(value(charts.frame(tick([{ app: 'x', cgroup: 'c1' }])), 'cgroup_c1.oomkills', 'oomkill')).toBe(1n);
    expect(charts.frame(tick([])).obsolete).toEqual(['cgroup_c1.oomkills']);
  });
});

describe('cgroup naming of a dead victim', () => {
  it('finds each hierarchy in mountinfo', () => {
    const text = [
      '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(cgroupMounts(text).map((m) => m?.mountPoint)).toEqual([
      '/sys/fs/cgroup/cpuset',
      '/sys/fs/cgroup/blkio',
      '/sys/fs/cgroup/memory',
      undefined,
      '/sys/fs/cgroup/unified',
    ]);
  });

  it('names the hog cgroup as the PID table would', () => {
    const self = '4:memory:/process_api/x\n3:cpuset:/\n0::/\n';
    expect(expectedCgroup(1, '/ebpfc-oomkill-1', self)).toEqual({ kind: 'cgroup', name: 'ebpfc-oomkill-1' });
    expect(expectedCgroup(2, '/ebpfc-oomkill-1', '0::/user.slice/user-0.slice/session-1.scope\n')).toEqual({ kind: 'cgroup', name: 'ebpfc-oomkill-1' });
  });
});
