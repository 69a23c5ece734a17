import type { ChartDefinition } from '@ebpf-collectors/core';
import { describe, expect, it } from 'vitest';
import { FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS, parseListen, planChart } from '../src/index.js';
import { formatListen } from '../src/listen.js';

function chart(type: string, id: string, units: string, dimensions: ChartDefinition['dimensions'], extra: Partial<ChartDefinition> = {}): ChartDefinition {
  return { type, id, title: `<b>${id}</b>`, units, family: 'f', context: '', chartType: 'line', priority: 1, updateEvery: 1, module: 'm', dimensions, ...extra };
}

function series(def: ChartDefinition, dimension: string) {
  const plan = planChart(def, 'ebpf');
  if (plan.kind !== 'series') throw new Error('expected series');
  return plan.dimensions.get(dimension)!;
}

describe('planChart', () => {
  it('makes incremental dimensions counters in base units, with the dimension as a label', () => {
    const def = chart('filesystem', 'vfs_io_bytes', 'bytes/s', [{ id: 'vfs_write', name: 'write', algorithm: 'incremental' }]);
    expect(series(def, 'vfs_write')).toMatchObject({
      family: 'ebpf_filesystem_vfs_io_bytes',
      type: 'counter',
      labels: { dimension: 'write' },
      scale: 1,
      accumulate: false,
    });
  });

  it('adds up absolute per-second dimensions (per-interval amounts) into counters', () => {
    const def = chart('system', 'process_thread', 'calls/s', [{ id: '_do_fork', name: 'process', algorithm: 'absolute' }]);
    expect(series(def, '_do_fork')).toMatchObject({ family: 'ebpf_system_process_thread', type: 'counter', accumulate: true });
  });

  it('keeps other absolute dimensions as gauges, without histogram or counter suffixes', () => {
    const memory = chart('netdata', 'ebpf_kernel_memory', 'bytes', [{ id: 'memory_locked', algorithm: 'absolute' }]);
    expect(series(memory, 'memory_locked')).toMatchObject({ family: 'ebpf_netdata_ebpf_kernel_memory_bytes', type: 'gauge' });
    const tables = chart('netdata', 'ebpf_hash_tables_count', 'hash tables', [{ id: 'hash_table', algorithm: 'absolute' }]);
    expect(series(tables, 'hash_table').family).toBe('ebpf_netdata_ebpf_hash_tables');
  });

  it('converts units to base units: kilobits to bytes, milliseconds to seconds, with multiplier and divisor', () => {
    const bandwidth = chart('ip', 'total_tcp_bandwidth', 'kilobits/s', [{ id: 'tcp_sendmsg', name: 'sent', algorithm: 'absolute', multiplier: 8, divisor: 1000 }]);
    expect(series(bandwidth, 'tcp_sendmsg')).toMatchObject({ family: 'ebpf_ip_total_tcp_bandwidth_bytes', scale: (8 / 1000) * 125 });
    const latency = chart('system', 'hardirq_latency', 'milliseconds', [{ id: 'nvme0q1', algorithm: 'incremental', divisor: 1000 }], {
      context: 'system.hardirq_latency',
    });
    expect(series(latency, 'nvme0q1')).toMatchObject({ family: 'ebpf_system_hardirq_latency_seconds', type: 'counter', scale: 1e-6 });
  });

  it('labels app groups, services and cgroups, and keeps chart labels', () => {
    const apps = chart('apps', 'vfs_write_bytes', 'bytes/s', [{ id: 'sshd', algorithm: 'incremental' }]);
    expect(series(apps, 'sshd')).toMatchObject({ family: 'ebpf_apps_vfs_write_bytes', labels: { app_group: 'sshd' } });
    const services = chart('services', 'vfs_write_bytes', 'bytes/s', [{ id: 'ssh.service', algorithm: 'incremental' }]);
    expect(series(services, 'ssh.service')).toMatchObject({ family: 'ebpf_services_vfs_write_bytes', labels: { service: 'ssh.service' } });
    const cgroup = chart('cgroup_docker_abc', 'vfs_write_bytes', 'bytes/s', [{ id: 'write', algorithm: 'incremental' }], {
      context: 'cgroup.vfs_write_bytes',
      labels: { 'image.name': 'nginx', dimension: 'never overrides ours' },
    });
    expect(series(cgroup, 'write')).toMatchObject({
      family: 'ebpf_cgroup_vfs_write_bytes',
      labels: { image_name: 'nginx', cgroup: 'docker_abc', dimension: 'write' },
    });
    // Without a context the cgroup name still becomes a label, not part of the metric name.
    const bare = chart('cgroup_x', 'process_create', 'calls/s', [{ id: 'process', algorithm: 'absolute' }]);
    expect(series(bare, 'process').family).toBe('ebpf_cgroup_process_create');
  });

  it('turns the filesystem latency charts into one histogram with power-of-two bounds in seconds', () => {
    const ids = ['0us->1us', '1us->2us', '2us->4us', '4us->8us', '8us->16us', '16us->32us', '32us->64us', '64us->128us', '128us->256us', '256us->512us', '512us->1ms', '1ms->2ms', '2ms->4ms', '4ms->8ms', '8ms->16ms', '16ms->32ms', '32ms->65ms', '65ms->131ms', '131ms->262ms', '262ms->524ms', '524ms->1s', '1s->2s', '2s->4s', '4s->+Inf'];
    const def = chart('filesystem', 'ext4_read_latency', 'calls/s', ids.map((id) => ({ id, algorithm: 'incremental' as const })), { module: 'filesystem' });
    const plan = planChart(def, 'ebpf');
    expect(plan.kind).toBe('histogram');
    if (plan.kind !== 'histogram') return;
    expect(plan.histogram.family).toBe('ebpf_filesystem_ext4_read_latency_seconds');
    expect(plan.histogram.bounds).toBe(FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS);
    expect(plan.histogram.bounds.slice(0, 3)).toEqual([0.000001, 0.000002, 0.000004]);
    expect(plan.histogram.bounds[16]).toBe(0.065536);
    expect(plan.histogram.bounds[23]).toBe(Infinity);
  });

  it('uses a chart\'s own histogram bounds when it declares them', () => {
    const def = chart('disk', 'io_latency', 'calls/s', [{ id: 'a', algorithm: 'incremental' }, { id: 'b', algorithm: 'incremental' }], {
      histogram: { upperBoundsSeconds: [0.001, Infinity] },
    });
    const plan = planChart(def, 'ebpf');
    expect(plan).toMatchObject({ kind: 'histogram', histogram: { family: 'ebpf_disk_io_latency_seconds', bounds: [0.001, Infinity] } });
  });
});

describe('charts that are instances of one context', () => {
  it('tell apart one histogram per disk by a chart label, and leave single charts alone', () => {
    const disk = (id: string) =>
      chart('disk_latency_io', id, 'calls/s', [{ id: 'a', algorithm: 'incremental' }, { id: 'b', algorithm: 'incremental' }], {
        context: 'disk.latency_io',
        histogram: { upperBoundsSeconds: [0.001, Infinity] },
      });
    expect(planChart(disk('vda'), 'ebpf')).toMatchObject({ histogram: { family: 'ebpf_disk_latency_io_seconds', labels: { chart: 'disk_latency_io.vda' } } });
    expect(planChart(disk('sdb'), 'ebpf')).toMatchObject({ histogram: { labels: { chart: 'disk_latency_io.sdb' } } });
    const irq = chart('system', 'hardirq_latency', 'milliseconds', [{ id: 'x', algorithm: 'incremental' }], { context: 'system.hardirq_latency' });
    expect(series(irq, 'x').labels).toEqual({ dimension: 'x' });
  });
});

describe('parseListen', () => {
  it.each([
    [':9435', { port: 9435 }],
    ['9500', { port: 9500 }],
    ['127.0.0.1:9500', { host: '127.0.0.1', port: 9500 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:9435', { host: '::1', port: 9435 }],
    ['::1', { host: '::1', port: 9435 }],
    ['127.0.0.1', { host: '127.0.0.1', port: 9435 }],
  ])('reads %s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
    expect(parseListen(formatListen(expected))).toEqual(expected);
  });

  it.each([
    ['', 'it is empty'],
    ['127.0.0.1:99999', 'the port "99999" is not a number from 0 to 65535'],
    ['host:http', 'the port "http" is not a number'],
    ['::1:9435x', 'IPv6 address in brackets'],
    ['fe80::1:9435:', 'IPv6 address in brackets'],
    ['[127.0.0.1]:1', 'is not an IPv6 address'],
    ['bad host:1', 'neither an IP address nor a host name'],
  ])('rejects %j saying why and what is accepted', (text, why) => {
    expect(() => parseListen(text)).toThrow(why);
    expect(() => parseListen(text)).toThrow('use HOST:PORT');
  });
});
