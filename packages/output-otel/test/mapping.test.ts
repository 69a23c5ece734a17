import type { ChartDefinition } from '@ebpf-collectors/core';
import { describe, expect, it } from 'vitest';
import { planChart } from '../src/index.js';

function chart(type: string, id: string, units: string, dimensions: ChartDefinition['dimensions'], extra: Partial<ChartDefinition> = {}): ChartDefinition {
  return { type, id, title: id, units, family: 'f', context: '', chartType: 'line', priority: 1, updateEvery: 1, module: 'm', dimensions, ...extra };
}

function series(def: ChartDefinition, dimension: string) {
  const plan = planChart(def, 'ebpf');
  if (plan.kind !== 'series') throw new Error('expected series');
  return plan.dimensions.get(dimension)!;
}

describe('planChart (OpenTelemetry)', () => {
  it('names instruments by context in the ebpf namespace, with UCUM units and converted values', () => {
    expect(series(chart('filesystem', 'vfs_io_bytes', 'bytes/s', [{ id: 'w', name: 'write', algorithm: 'incremental', multiplier: -1 }]), 'w')).toMatchObject({
      name: 'ebpf.filesystem.vfs_io_bytes',
      kind: 'counter',
      unit: 'By',
      scale: 1,
      attributes: { 'ebpf.dimension': 'write' },
    });
    expect(series(chart('ip', 'total_tcp_bandwidth', 'kilobits/s', [{ id: 's', algorithm: 'absolute', multiplier: 8, divisor: 1000 }]), 's')).toMatchObject({
      unit: 'By',
      scale: 1,
      accumulate: true,
    });
    expect(series(chart('system', 'softirq_latency', 'milliseconds', [{ id: 'TIMER', algorithm: 'incremental', divisor: 1000 }], { context: 'system.softirq_latency' }), 'TIMER')).toMatchObject({
      name: 'ebpf.system.softirq_latency',
      unit: 's',
      scale: 1e-6,
    });
    expect(series(chart('netdata', 'ebpf_threads', 'threads', [{ id: 'total', algorithm: 'absolute' }]), 'total')).toMatchObject({ kind: 'gauge', unit: '{thread}' });
  });

  it('puts app groups, services, cgroups and disk instances in attributes', () => {
    expect(series(chart('apps', 'vfs_open', 'calls/s', [{ id: 'sshd', algorithm: 'incremental' }]), 'sshd').attributes).toEqual({ 'ebpf.app_group': 'sshd' });
    expect(series(chart('services', 'vfs_open', 'calls/s', [{ id: 'cron.service', algorithm: 'incremental' }]), 'cron.service').attributes).toEqual({ 'ebpf.service': 'cron.service' });
    const cgroup = chart('cgroup_db', 'vfs_open', 'calls/s', [{ id: 'open', algorithm: 'incremental' }], { context: 'cgroup.vfs_open' });
    expect(series(cgroup, 'open')).toMatchObject({ name: 'ebpf.cgroup.vfs_open', attributes: { 'ebpf.cgroup': 'db', 'ebpf.dimension': 'open' } });
    const disk = chart('disk_latency_io', 'vda', 'calls/s', [{ id: 'a', algorithm: 'incremental' }, { id: 'b', algorithm: 'incremental' }], {
      context: 'disk.latency_io',
      histogram: { upperBoundsSeconds: [0.001, Infinity] },
    });
    expect(planChart(disk, 'ebpf')).toMatchObject({
      kind: 'histogram',
      histogram: { name: 'ebpf.disk.latency_io', attributes: { 'ebpf.chart': 'disk_latency_io.vda' }, bounds: [0.001, Infinity], perInterval: false },
    });
  });
});
