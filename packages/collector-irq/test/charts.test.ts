import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chartKey } from '@ebpf-collectors/core';
import {
  HardirqChartBuilder,
  SoftirqChartBuilder,
  decodeLatencyArray,
  decodeLatencyHash,
  firedLines,
  irqMetrics,
  nsToMicros,
  type HardirqReading,
  type LatencyTotals,
} from '../src/index.js';
import { hardirqReading, readFixture, softirqReading } from './fixture.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const t = (latencyNs: bigint, count = 1n): LatencyTotals => ({ latencyNs, count });
const zeros = (n: number) => Array.from({ length: n }, () => t(0n, 0n));

describe('units', () => {
  it('sends whole microseconds of the cumulative nanoseconds; divisor 1000 makes milliseconds', () => {
    expect(nsToMicros(0n)).toBe(0n);
    expect(nsToMicros(999n)).toBe(0n);
    expect(nsToMicros(1_000n)).toBe(1n);
    expect(nsToMicros(3_700n)).toBe(3n);
    // Sub-microsecond parts are not lost: they carry over in the cumulative sum.
    expect(nsToMicros(3_700n * 10n)).toBe(37n);
    expect(irqMetrics.LATENCY_DIVISOR).toBe(1000);
  });

  it('keeps sub-millisecond latency that Netdata 1.37.1 truncates per CPU', () => {
    // 2 CPUs with 600 us each: Netdata sums floor(600/1000) twice = 0 ms; we send 1200 us = 1.2 ms.
    const builder = new SoftirqChartBuilder(1);
    const frame = builder.frame([t(0n), t(1_200_000n), ...zeros(8)]);
    expect(frame.charts[0]!.values.get('TIMER')).toBe(1200n);
    const timer = frame.charts[0]!.chart.dimensions.find((d) => d.id === 'TIMER')!;
    expect(timer).toMatchObject({ algorithm: 'incremental', divisor: 1000 });
  });
});

describe('decoding', () => {
  it('splits a summed per-CPU array into slots of 3 lanes, ignoring the timestamp lane', () => {
    const slots = decodeLatencyArray([5n, 2n, 999n, 0n, 0n, 0n]);
    expect(slots).toEqual([t(5n, 2n), t(0n, 0n)]);
    expect(() => decodeLatencyArray([1n, 2n])).toThrow(RangeError);
  });

  it('decodes the spill hash and merges it with fired array slots', () => {
    const keys = Buffer.alloc(8);
    keys.writeUInt32LE(4096, 0);
    keys.writeUInt32LE(5000, 4);
    const values = Buffer.alloc(48);
    values.writeBigUInt64LE(7000n, 0);
    values.writeBigUInt64LE(3n, 8);
    values.writeBigUInt64LE(0n, 24);
    values.writeBigUInt64LE(0n, 32);
    const spill = decodeLatencyHash({ count: 2, keys, values });
    expect(spill.get(4096)).toEqual(t(7000n, 3n));
    const fired = firedLines([t(0n, 0n), t(100n, 1n), t(0n, 0n)], spill);
    expect([...fired.keys()]).toEqual([1, 4096]);
    expect(() => decodeLatencyHash({ count: 3, keys, values })).toThrow(RangeError);
  });
});

describe('SoftirqChartBuilder', () => {
  it('declares the ten vectors in kernel order as Netdata names them', () => {
    const chart = new SoftirqChartBuilder(5).chart();
    expect(chart).toMatchObject({
      type: 'system',
      id: 'softirq_latency',
      title: 'Software IRQ latency',
      units: 'milliseconds',
      family: 'softirqs',
      context: 'system.softirq_latency',
      chartType: 'stacked',
      priority: 951,
      updateEvery: 5,
      module: 'softirq',
    });
    expect(chart.dimensions.map((d) => d.id)).toEqual(['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'IRQ_POLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU']);
  });
});

describe('HardirqChartBuilder', () => {
  const reading = (lines: Array<[number, bigint]>, vectors = zeros(11)): HardirqReading => ({
    lines: new Map(lines.map(([irq, ns]) => [irq, t(ns)])),
    vectors,
  });

  it('starts with the eleven static vectors and the chart Netdata declares', () => {
    const chart = new HardirqChartBuilder(1).chart();
    expect(chart).toMatchObject({
      type: 'system',
      id: 'hardirq_latency',
      title: 'Hardware IRQ latency',
      units: 'milliseconds',
      family: 'interrupts',
      context: 'system.hardirq_latency',
      chartType: 'stacked',
      priority: 2900,
      module: 'hardirq',
    });
    expect(chart.dimensions.map((d) => d.id)).toEqual([
      'apic_thermal',
      'apic_threshold',
      'apic_error',
      'apic_deferred_error',
      'apic_spurious',
      'func_call',
      'func_call_single',
      'reschedule',
      'local_timer',
      'irq_work',
      'x86_platform_ipi',
    ]);
    expect(chart.dimensions.every((d) => d.algorithm === 'incremental' && d.divisor === 1000)).toBe(true);
  });

  it('adds a dimension per line as it fires, re-declaring the chart with the full list', () => {
    const names = new Map([
      [36, 'virtio1-req.0'],
      [41, 'virtio3-rx'],
    ]);
    const builder = new HardirqChartBuilder(1);
    const first = builder.frame(reading([[36, 5_000n]]), (irq) => names.get(irq)!);
    expect(first.charts[0]!.chart.dimensions.map((d) => d.id).slice(11)).toEqual(['virtio1-req.0']);
    expect(first.charts[0]!.values.get('virtio1-req.0')).toBe(5n);
    const second = builder.frame(reading([[36, 9_000n], [41, 2_500n]]), (irq) => names.get(irq)!);
    expect(second.charts[0]!.chart.dimensions.map((d) => d.id).slice(11)).toEqual(['virtio1-req.0', 'virtio3-rx']);
    expect(second.charts[0]!.values.get('virtio1-req.0')).toBe(9n);
    expect(second.charts[0]!.values.get('virtio3-rx')).toBe(2n);
    // Same dimension list: the same definition object, so outputs do not re-send it.
    const third = builder.frame(reading([[36, 9_500n], [41, 2_500n]]), (irq) => names.get(irq)!);
    expect(third.charts[0]!.chart).toBe(second.charts[0]!.chart);
  });

  it('sums lines that share a name (two ACPI:Ged lines) into one dimension', () => {
    const builder = new HardirqChartBuilder(1);
    const frame = builder.frame(reading([[24, 1_500n], [25, 2_600n]]), () => 'ACPI:Ged');
    const chart = frame.charts[0]!;
    expect(chart.chart.dimensions.filter((d) => d.id === 'ACPI:Ged')).toHaveLength(1);
    expect(chart.values.get('ACPI:Ged')).toBe(4n);
  });

  it('never lets a dimension go backwards when an IRQ number changes hands', () => {
    let name = 'eth0';
    const builder = new HardirqChartBuilder(1);
    builder.frame(reading([[50, 10_000n]]), () => name);
    name = 'nvme0q1';
    const frame = builder.frame(reading([[50, 14_000n]]), () => name);
    const values = frame.charts[0]!.values;
    expect(values.get('eth0')).toBe(10n);
    expect(values.get('nvme0q1')).toBe(4n);
  });

  it('sends static vectors as the cumulative kernel totals and keeps a line named like a vector apart', () => {
    const vectors = zeros(11);
    vectors[8] = t(123_456n, 40n);
    const frame = new HardirqChartBuilder(1).frame(reading([[60, 1_000n]], vectors), () => 'local_timer');
    expect(frame.charts[0]!.values.get('local_timer')).toBe(123n);
    expect(frame.charts[0]!.values.get('local_timer (irq 60)')).toBe(1n);
  });
});

describe('recorded runs replayed through the chart math', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

  it('has recorded runs of both collectors in both modes', () => {
    expect(files.sort()).toEqual(['hardirq-tracepoint.json', 'hardirq-trampoline.json', 'softirq-tracepoint.json', 'softirq-trampoline.json']);
  });

  it.each(files.filter((f) => f.startsWith('softirq')))('%s: same values as the live collector, NET_RX and TIMER grew', (file) => {
    const fixture = readFixture(`${FIXTURES}/${file}`);
    const builder = new SoftirqChartBuilder(1);
    const frames = fixture.ticks.map((tick) => builder.frame(softirqReading(tick).vectors));
    frames.forEach((frame, i) => {
      const expected = fixture.ticks[i]!.charts['system.softirq_latency']!;
      expect(Object.fromEntries([...frame.charts[0]!.values].map(([k, v]) => [k, v.toString()]))).toEqual(expected);
    });
    const [a, b] = frames.map((f) => f.charts[0]!.values);
    expect(b!.get('NET_RX')! - a!.get('NET_RX')!).toBeGreaterThan(0n);
    expect(b!.get('TIMER')! - a!.get('TIMER')!).toBeGreaterThan(0n);
  });

  it.each(files.filter((f) => f.startsWith('hardirq')))('%s: same values and dimensions as the live collector', (file) => {
    const fixture = readFixture(`${FIXTURES}/${file}`);
    const builder = new HardirqChartBuilder(1);
    for (const tick of fixture.ticks) {
      const frame = builder.frame(hardirqReading(tick), (irq) => tick.names?.[String(irq)] ?? `irq${irq}`);
      const chart = frame.charts[0]!;
      expect(chart.chart.dimensions.map((d) => d.id)).toEqual(tick.dimensions[chartKey(chart.chart)]);
      expect(Object.fromEntries([...chart.values].map(([k, v]) => [k, v.toString()]))).toEqual(tick.charts['system.hardirq_latency']);
    }
    const last = fixture.ticks.at(-1)!;
    expect(BigInt(last.vectors[8]!.count)).toBeGreaterThan(0n);
    expect(Object.keys(last.lines ?? {}).length).toBeGreaterThan(0);
  });
});
