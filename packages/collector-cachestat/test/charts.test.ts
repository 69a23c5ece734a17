import { describe, expect, it } from 'vitest';
import { chartKey } from '@ebpf-collectors/core';
import { CachestatChartBuilder, cachestatInterval } from '../src/index.js';

const settings = { updateEvery: 1, apps: true, cgroups: true, returnMode: false };
/** Lanes: add, access, dirtied, buffer dirty. */
const lanes = (add: number, access: number, dirtied: number, buffer: number) => [add, access, dirtied, buffer].map(BigInt);
const value = (frame: { charts: Array<{ chart: { type: string; id: string }; values: Map<string, bigint> }> }, key: string, dim: string) =>
  frame.charts.find((c) => chartKey(c.chart as never) === key)?.values.get(dim);

describe('cachestat formula (Netdata, after bcc)', () => {
  it('hits are accesses not explained by misses; ratio in percent', () => {
    expect(cachestatInterval(lanes(10, 110, 0, 10))).toEqual({ hit: 90n, miss: 10n, ratio: 90n });
  });
  it('more misses than the total: misses = total, hits = 0', () => {
    expect(cachestatInterval(lanes(50, 30, 0, 0))).toEqual({ hit: 0n, miss: 30n, ratio: 0n });
  });
  it('nothing accessed: ratio 100', () => {
    expect(cachestatInterval(lanes(0, 0, 0, 0))).toEqual({ hit: 0n, miss: 0n, ratio: 100n });
  });
  it('dirtied pages are not misses', () => {
    expect(cachestatInterval(lanes(10, 100, 4, 0)).miss).toBe(6n);
    expect(cachestatInterval(lanes(3, 100, 4, 0)).miss).toBe(0n);
  });
  it('without accesses (tracepoint mode) misses are added - dirtied, unclamped by a total', () => {
    expect(cachestatInterval(lanes(10, 0, 4, 100), false)).toEqual({ hit: 0n, miss: 6n, ratio: 0n });
  });
});

describe('CachestatChartBuilder', () => {
  it('host charts in Netdata order; dirty is cumulative, the rest per interval after a baseline', () => {
    const b = new CachestatChartBuilder({ ...settings, apps: false, cgroups: false, accessKnown: true });
    expect(b.charts([]).map((c) => `${chartKey(c)}:${c.priority}:${c.dimensions[0]!.algorithm}`)).toEqual([
      'mem.cachestat_ratio:21100:absolute',
      'mem.cachestat_dirties:21101:incremental',
      'mem.cachestat_hits:21102:absolute',
      'mem.cachestat_misses:21103:absolute',
    ]);
    const first = b.frame({ counters: lanes(100, 1000, 10, 50) });
    expect(value(first, 'mem.cachestat_hits', 'hit')).toBe(0n);
    expect(value(first, 'mem.cachestat_dirties', 'dirty')).toBe(50n);
    const second = b.frame({ counters: lanes(110, 1110, 10, 60) });
    expect(value(second, 'mem.cachestat_misses', 'miss')).toBe(10n);
    expect(value(second, 'mem.cachestat_hits', 'hit')).toBe(90n);
    expect(value(second, 'mem.cachestat_ratio', 'ratio')).toBe(90n);
    expect(value(second, 'mem.cachestat_dirties', 'dirty')).toBe(60n);
  });

  it('tracepoint mode: no hits and no ratio charts', () => {
    const b = new CachestatChartBuilder({ ...settings, accessKnown: false });
    expect(b.charts(['g']).map(chartKey)).toEqual([
      'mem.cachestat_dirties',
      'mem.cachestat_misses',
      'apps.cachestat_dirties',
      'apps.cachestat_misses',
    ]);
  });

  it('per-group values are the interval values of each group', () => {
    const b = new CachestatChartBuilder({ ...settings, accessKnown: true });
    const totals = (a: number[], c: number[]) => new Map([['a', lanes(...(a as [number, number, number, number]))], ['c', lanes(...(c as [number, number, number, number]))]]);
    const tick = (a: number[], c: number[]) =>
      b.frame({
        counters: lanes(0, 0, 0, 0),
        apps: { names: ['a', 'c'], totals: totals(a, c) },
        cgroups: { names: ['box'], totals: new Map([['box', lanes(...(a as [number, number, number, number]))]]) },
        services: { names: [], totals: new Map() },
      });
    tick([0, 0, 0, 0], [5, 5, 0, 0]);
    const f = tick([20, 120, 0, 0], [5, 5, 0, 0]);
    expect(value(f, 'apps.cachestat_hits', 'a')).toBe(100n);
    expect(value(f, 'apps.cachestat_misses', 'a')).toBe(20n);
    expect(value(f, 'apps.cachestat_ratio', 'a')).toBe(83n);
    expect(value(f, 'apps.cachestat_ratio', 'c')).toBe(100n);
    expect(value(f, 'cgroup_box.cachestat_hits', 'hit')).toBe(100n);
    const g = tick([20, 120, 0, 0], [5, 5, 0, 0]);
    expect(value(g, 'apps.cachestat_hits', 'a')).toBe(0n);
    expect(value(g, 'apps.cachestat_ratio', 'a')).toBe(100n);
    const cgroup = f.charts.find((c) => chartKey(c.chart) === 'cgroup_box.cachestat_ratio')!.chart;
    expect([cgroup.family, cgroup.context, cgroup.priority]).toEqual(['page cache (eBPF)', 'cgroup.cachestat_ratio', 45200]);
  });
});
