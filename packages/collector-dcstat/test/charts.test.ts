import { describe, expect, it } from 'vitest';
import { chartKey, findKernelSymbol } from '@ebpf-collectors/core';
import { DcstatChartBuilder, dcHitRatio, planPrograms } from '../src/index.js';

const settings = { updateEvery: 1, apps: true, cgroups: true, returnMode: false };
const value = (frame: { charts: Array<{ chart: { type: string; id: string }; values: Map<string, bigint> }> }, key: string, dim: string) =>
  frame.charts.find((c) => chartKey(c.chart as never) === key)?.values.get(dim);

describe('dcstat charts', () => {
  it('ratio: (references - misses) / references, 0 without references', () => {
    expect(dcHitRatio(200n, 50n)).toBe(75n);
    expect(dcHitRatio(0n, 0n)).toBe(0n);
    expect(dcHitRatio(10n, 20n)).toBe(0n);
  });

  it('host: ratio over the totals, references per interval after a baseline', () => {
    const b = new DcstatChartBuilder({ ...settings, apps: false, cgroups: false });
    expect(b.charts([]).map((c) => `${chartKey(c)}:${c.family}:${c.priority}:${c.dimensions.map((d) => d.id).join(',')}`)).toEqual([
      'filesystem.dc_hit_ratio:directory cache (eBPF):21200:ratio',
      'filesystem.dc_reference:directory cache (eBPF):21201:reference,slow,miss',
    ]);
    const first = b.frame({ counters: [100n, 10n, 5n] });
    expect(value(first, 'filesystem.dc_reference', 'reference')).toBe(0n);
    expect(value(first, 'filesystem.dc_hit_ratio', 'ratio')).toBe(95n);
    const second = b.frame({ counters: [200n, 30n, 25n] });
    expect(value(second, 'filesystem.dc_reference', 'reference')).toBe(100n);
    expect(value(second, 'filesystem.dc_reference', 'slow')).toBe(20n);
    expect(value(second, 'filesystem.dc_reference', 'miss')).toBe(20n);
    expect(value(second, 'filesystem.dc_hit_ratio', 'ratio')).toBe(87n);
  });

  it('groups: interval values and an interval ratio', () => {
    const b = new DcstatChartBuilder(settings);
    const tick = (lanes: bigint[]) =>
      b.frame({
        counters: [0n, 0n, 0n],
        apps: { names: ['a'], totals: new Map([['a', lanes]]) },
        cgroups: { names: ['box'], totals: new Map([['box', lanes]]) },
        services: { names: [], totals: new Map() },
      });
    tick([10n, 0n, 0n]);
    const f = tick([110n, 40n, 25n]);
    expect(value(f, 'apps.dc_hit_ratio', 'a')).toBe(75n);
    expect(value(f, 'apps.dc_reference', 'a')).toBe(100n);
    expect(value(f, 'apps.dc_not_cache', 'a')).toBe(40n);
    expect(value(f, 'apps.dc_not_found', 'a')).toBe(25n);
    expect(value(f, 'cgroup_box.dc_not_found', 'miss')).toBe(25n);
    const c = f.charts.find((x) => chartKey(x.chart) === 'cgroup_box.dc_hit_ratio')!.chart;
    expect([c.context, c.priority, c.chartType]).toEqual(['cgroup.dc_ratio', 45700, 'line']);
    expect(value(tick([110n, 40n, 25n]), 'apps.dc_hit_ratio', 'a')).toBe(0n);
  });
});

describe('lookup_fast symbols', () => {
  const kallsyms = [
    'ffffffff81000000 T _stext',
    'ffffffff81300000 t lookup_fast.cold',
    'ffffffff81300100 t lookup_fast.constprop.0',
    'ffffffff81300200 T d_lookup',
    'ffffffffc0000000 t md_flush_request\t[md_mod]',
    '',
  ].join('\n');

  it('a clone when the plain name is absent, never a .cold part; module names', () => {
    expect(findKernelSymbol('lookup_fast', kallsyms)).toEqual({ name: 'lookup_fast.constprop.0' });
    expect(findKernelSymbol('d_lookup', kallsyms)).toEqual({ name: 'd_lookup' });
    expect(findKernelSymbol('md_flush_request', kallsyms)).toEqual({ name: 'md_flush_request', module: 'md_mod' });
    expect(findKernelSymbol('lookup_slow', kallsyms)).toBeUndefined();
  });

  it('probe mode hooks the clone; trampoline mode needs the plain name', () => {
    const features = { hasKernelFunction: (fn: string) => fn === 'd_lookup' || fn === 'lookup_fast' };
    const symbol = (fn: string) => findKernelSymbol(fn, kallsyms);
    expect(planPrograms('probe', features, symbol).hooked).toEqual(['lookup_fast.constprop.0', 'd_lookup (return)']);
    expect(() => planPrograms('trampoline', features, symbol)).toThrow(/none of lookup_fast/);
    const plain = (fn: string) => findKernelSymbol(fn, kallsyms.replace('lookup_fast.constprop.0', 'lookup_fast'));
    expect([...planPrograms('trampoline', features, plain).targets!]).toEqual([
      ['trampoline_d_lookup_ret', 'd_lookup'],
      ['trampoline_lookup_fast', 'lookup_fast'],
    ]);
  });
});
