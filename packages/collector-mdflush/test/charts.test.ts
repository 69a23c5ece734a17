import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartKey } from '@ebpf-collectors/core';
import { MdflushChartBuilder, arrayName, planPrograms } from '../src/index.js';

describe('mdflush chart', () => {
  it('no chart before an array is seen; a dimension per array, kept once seen', () => {
    const b = new MdflushChartBuilder(1);
    expect(b.frame(new Map()).charts).toEqual([]);
    expect(b.charts()).toEqual([]);
    const f = b.frame(new Map([['md127', 3n]]));
    const c = f.charts[0]!;
    expect([chartKey(c.chart), c.chart.title, c.chart.units, c.chart.family, c.chart.context, c.chart.chartType, c.chart.priority]).toEqual([
      'mdstat.mdstat_flush',
      'MD flushes',
      'flushes',
      'flush (eBPF)',
      'md.flush',
      'stacked',
      2101,
    ]);
    expect(c.chart.dimensions).toEqual([{ id: 'md127', algorithm: 'incremental' }]);
    const g = b.frame(new Map([['md0', 1n]]));
    expect(g.charts[0]!.chart.dimensions.map((d) => d.id)).toEqual(['md127', 'md0']);
    expect([...g.charts[0]!.values]).toEqual([['md127', 3n], ['md0', 1n]]);
  });

  it('array names from sysfs, md<minor> otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mdflush-'));
    try {
      mkdirSync(join(dir, 'devices'));
      symlinkSync('../devices/virtual/block/md101', join(dir, '9:101'));
      expect(arrayName((9 << 20) | 101, dir)).toBe('md101');
      expect(arrayName((9 << 20) | 5, dir)).toBe('md5');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plans: a kprobe on the symbol; a trampoline only with the module BTF; a clear reason without md', () => {
    const symbol = { name: 'md_flush_request', module: 'md_mod' };
    expect(planPrograms('probe', symbol).hooked).toBe('md_flush_request');
    expect(planPrograms('trampoline', symbol, () => true).targets).toEqual(new Map([['trampoline_md_flush_request', 'md_flush_request']]));
    expect(() => planPrograms('trampoline', symbol, () => false)).toThrow(/no \/sys\/kernel\/btf\/md_mod/);
    expect(() => planPrograms('probe', undefined)).toThrow(/md is not loaded/);
  });
});
