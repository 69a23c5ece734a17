/** Disk chart math, bins, names and /proc/partitions on made-up readings. */
import { describe, expect, it } from 'vitest';
import {
  DiskCharts,
  decodeBins,
  diskChartDefinition,
  histogramBin,
  histogramDimensionNames,
  histogramUpperBoundsSeconds,
  kernelDev,
  parseProcPartitions,
  withBinSums,
} from '../src/index.js';

const PARTITIONS = `major minor  #blocks  name

   7        0       8192 loop0
 254        0  268435456 vda
 254        1     102400 vda1
   8       16   10485760 sdb
`;

const bins = (over: Record<number, bigint>) => Array.from({ length: 24 }, (_, i) => over[i] ?? 0n);

describe('histogram bins', () => {
  it("are Netdata's 24 log2 microsecond bins", () => {
    const names = histogramDimensionNames();
    expect(names).toHaveLength(24);
    expect(names.slice(0, 3)).toEqual(['0us->1us', '1us->2us', '2us->4us']);
    expect(names.slice(9, 12)).toEqual(['256us->512us', '512us->1ms', '1ms->2ms']);
    expect(names.slice(15, 18)).toEqual(['16ms->32ms', '32ms->65ms', '65ms->131ms']);
    expect(names.slice(-3)).toEqual(['1s->2s', '2s->4s', '4s->+Inf']);
    expect(histogramBin(999)).toBe(0);
    expect(histogramBin(1000)).toBe(1);
    expect(histogramBin(1_500_000)).toBe(11);
    expect(histogramBin(10_000_000_000)).toBe(23);
    const bounds = histogramUpperBoundsSeconds();
    expect(bounds[0]).toBe(1e-6);
    expect(bounds[23]).toBe(Infinity);
  });
});

describe('/proc/partitions', () => {
  it('maps kernel dev_t to names', () => {
    const names = parseProcPartitions(PARTITIONS);
    expect(names.get(kernelDev(7, 0))).toBe('loop0');
    expect(names.get(kernelDev(254, 1))).toBe('vda1');
    expect(names.get(kernelDev(8, 16))).toBe('sdb');
    expect(names.size).toBe(4);
  });
});

describe('decodeBins', () => {
  it('groups {dev, bin} -> count entries per disk', () => {
    const keys = Buffer.alloc(24);
    const values = Buffer.alloc(24);
    [[kernelDev(7, 0), 3, 5n], [kernelDev(7, 0), 10, 2n], [kernelDev(254, 0), 0, 9n]].forEach(([dev, bin, n], i) => {
      keys.writeUInt32LE(dev as number, i * 8);
      keys.writeUInt32LE(bin as number, i * 8 + 4);
      values.writeBigUInt64LE(n as bigint, i * 8);
    });
    const out = decodeBins(3, keys, values);
    expect(out.get(kernelDev(7, 0))).toEqual(bins({ 3: 5n, 10: 2n }));
    expect(out.get(kernelDev(254, 0))).toEqual(bins({ 0: 9n }));
  });
});

describe('DiskCharts', () => {
  const loop0 = kernelDev(7, 0);
  const vda = kernelDev(254, 0);

  it('charts a disk from its first request, as Netdata does', () => {
    const charts = new DiskCharts(1);
    const names = parseProcPartitions(PARTITIONS);
    const first = charts.frame(new Map([[vda, bins({ 4: 7n })]]), names);
    expect(first.frame.charts.map((c) => `${c.chart.type}.${c.chart.id}`)).toEqual(['disk_latency_io.vda']);
    expect(first.frame.charts[0]!.values.get('8us->16us')).toBe(7n);
    expect(first.frame.charts[0]!.chart).toEqual(diskChartDefinition('vda', 1));
    expect(diskChartDefinition('vda', 1)).toMatchObject({
      title: 'Disk latency',
      units: 'calls/s',
      family: 'vda',
      context: 'disk.latency_io',
      chartType: 'stacked',
      priority: 2095,
      module: 'disk',
    });
    expect(diskChartDefinition('vda', 1).dimensions.every((d) => d.algorithm === 'incremental')).toBe(true);
    expect(charts.charts().map((c) => c.id)).toEqual(['vda']);
  });

  it('obsoletes the chart of a disk that left /proc/partitions and forgets its counts', () => {
    const charts = new DiskCharts(1);
    const names = parseProcPartitions(PARTITIONS);
    charts.frame(new Map([[loop0, bins({ 5: 3n })], [vda, bins({ 1: 1n })]]), names);
    const detached = new Map(names);
    detached.delete(loop0);
    const tick = charts.frame(new Map([[loop0, bins({ 5: 3n })], [vda, bins({ 1: 2n })]]), detached);
    expect(tick.frame.obsolete).toEqual(['disk_latency_io.loop0']);
    expect(tick.gone).toEqual([loop0]);
    expect(tick.frame.charts.map((c) => c.chart.id)).toEqual(['vda']);
    // Obsoleted once; a later attach of the same device starts a new chart.
    expect(charts.frame(new Map([[vda, bins({ 1: 2n })]]), detached).frame.obsolete).toBeUndefined();
    const again = charts.frame(new Map([[loop0, bins({ 2: 1n })]]), names);
    expect(again.frame.charts.map((c) => c.chart.id)).toEqual(['loop0']);
  });

  it('obsoletes a name whose device number changed', () => {
    const charts = new DiskCharts(1);
    charts.frame(new Map([[loop0, bins({ 5: 1n })]]), new Map([[loop0, 'loop0']]));
    const moved = charts.frame(new Map([[loop0, bins({ 5: 1n })]]), new Map([[loop0, 'loop9']]));
    expect(moved.frame.obsolete).toEqual(['disk_latency_io.loop0']);
    expect(moved.frame.charts.map((c) => c.chart.id)).toEqual(['loop9']);
  });
});

describe('withBinSums', () => {
  it('adds the sum of each disk chart bins', () => {
    const m = withBinSums(new Map([['disk_latency_io.loop0.1us->2us', 3n], ['disk_latency_io.loop0.4s->+Inf', 1n], ['x.y.z', 5n]]));
    expect(m.get('disk_latency_io.loop0.all bins')).toBe(4n);
  });
});
