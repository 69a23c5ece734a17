import { describe, expect, it } from 'vitest';
import { CounterChartBuilder, chartKey } from '@ebpf-collectors/core';
import { planPrograms, swapCharts, expectedPages, swapExpectations } from '../src/index.js';

describe('swap charts', () => {
  it('system.swapcalls (read, write) cumulative; apps, cgroup and services per operation', () => {
    const b = new CounterChartBuilder(swapCharts(), { updateEvery: 1, apps: true, cgroups: true, returnMode: false });
    const [host, ...apps] = b.charts(['g']);
    expect([chartKey(host!), host!.title, host!.units, host!.family, host!.priority, host!.chartType]).toEqual([
      'system.swapcalls',
      'Calls to access swap memory',
      'calls/s',
      'swap',
      202,
      'line',
    ]);
    expect(host!.dimensions.map((d) => `${d.id}:${d.algorithm}`)).toEqual(['read:incremental', 'write:incremental']);
    expect(apps.map((c) => `${chartKey(c)}:${c.priority}:${c.chartType}`)).toEqual(['apps.swap_read_call:20191:stacked', 'apps.swap_write_call:20192:stacked']);
    const f = b.frame({
      counters: [3n, 7n],
      apps: { names: ['g'], totals: new Map([['g', [1n, 2n]]]) },
      cgroups: { names: ['box'], totals: new Map([['box', [4n, 5n]]]) },
      services: { names: [], totals: new Map() },
    });
    const get = (key: string) => f.charts.find((c) => chartKey(c.chart) === key)!;
    expect([...get('system.swapcalls').values]).toEqual([['read', 3n], ['write', 7n]]);
    expect(get('apps.swap_write_call').values.get('g')).toBe(2n);
    const cg = get('cgroup_box.swap_read_call');
    expect([cg.chart.context, cg.chart.family, cg.chart.priority, [...cg.values]]).toEqual(['cgroup.swap_read', 'swap (eBPF)', 45100, [['read', 4n]]]);
  });

  it('hooks the newest function names the kernel has', () => {
    const has = (names: string[]) => ({ hasKernelFunction: (fn: string) => names.includes(fn) });
    expect([...planPrograms('probe', has(['swap_read_folio', 'swap_writeout', 'swap_writepage'])).hooked.values()]).toEqual(['swap_read_folio', 'swap_writeout']);
    expect([...planPrograms('trampoline', has(['swap_readpage', 'swap_writepage'])).targets.values()]).toEqual(['swap_readpage', 'swap_writepage']);
    expect(() => planPrograms('probe', has([]))).toThrow(/none of swap_read_folio, swap_readpage/);
  });

  it('self-test bounds: half of the pages over the limit, both ways', () => {
    expect(expectedPages()).toBe(1536);
    expect(swapExpectations().map((e) => `${e.chart}.${e.dimension}>=${e.atLeast}`)).toEqual(['system.swapcalls.write>=1536', 'system.swapcalls.read>=1536']);
  });
});
