/**
 * Chart definitions and chart math, without a kernel.
 */
import { describe, expect, it } from 'vitest';
import { chartKey, type ChartDefinition, type CollectorFrame } from '@ebpf-collectors/core';
import { VfsChartBuilder, decodeCounters } from '../src/index.js';
import { COUNTER, COUNTER_LANES, PID_LANE, PID_LANES } from '../src/internal-types.js';

function byKey(frame: CollectorFrame): Map<string, ReadonlyMap<string, bigint>> {
  return new Map(frame.charts.map((c) => [chartKey(c.chart), c.values]));
}

function definition(charts: ReadonlyArray<ChartDefinition>, key: string): ChartDefinition {
  const found = charts.find((c) => chartKey(c) === key);
  if (!found) throw new Error(`${key} missing from ${charts.map(chartKey).join(', ')}`);
  return found;
}

/** 20 kernel lanes, lane i = base * (i + 1). */
function lanes(base = 1n): bigint[] {
  return Array.from({ length: COUNTER_LANES }, (_, i) => base * BigInt(i + 1));
}

/** 14 per-PID lanes, lane i = base + i. */
function pidLanes(base: bigint): bigint[] {
  return Array.from({ length: PID_LANES }, (_, i) => base + BigInt(i));
}

describe('host chart definitions (Netdata 1.37.1 vfs thread)', () => {
  const ret = new VfsChartBuilder({ updateEvery: 5, returnMode: true, apps: false, cgroups: false }).charts();

  it('declares the ten filesystem charts in Netdata order in return mode, six in entry mode', () => {
    expect(ret.map((c) => [chartKey(c), c.priority])).toEqual([
      ['filesystem.vfs_deleted_objects', 2150],
      ['filesystem.vfs_io', 2151],
      ['filesystem.vfs_io_bytes', 2152],
      ['filesystem.vfs_io_error', 2153],
      ['filesystem.vfs_fsync', 2154],
      ['filesystem.vfs_fsync_error', 2155],
      ['filesystem.vfs_open', 2156],
      ['filesystem.vfs_open_error', 2157],
      ['filesystem.vfs_create', 2158],
      ['filesystem.vfs_create_error', 2159],
    ]);
    const entry = new VfsChartBuilder({ updateEvery: 5, returnMode: false, apps: false, cgroups: false }).charts();
    expect(entry.map(chartKey)).toEqual([
      'filesystem.vfs_deleted_objects',
      'filesystem.vfs_io',
      'filesystem.vfs_io_bytes',
      'filesystem.vfs_fsync',
      'filesystem.vfs_open',
      'filesystem.vfs_create',
    ]);
    for (const c of ret) {
      expect(c).toMatchObject({ family: 'vfs', context: '', chartType: 'line', updateEvery: 5, module: 'vfs' });
      expect(c.dimensions.every((d) => d.algorithm === 'incremental')).toBe(true);
    }
  });

  it('uses Netdata titles, units and dimension ids and names', () => {
    expect(ret.map((c) => [c.id, c.title, c.units])).toEqual([
      ['vfs_deleted_objects', 'Remove files', 'calls/s'],
      ['vfs_io', 'Calls to IO', 'calls/s'],
      ['vfs_io_bytes', 'Bytes written and read', 'bytes/s'],
      ['vfs_io_error', 'Fails to write or read', 'calls/s'],
      ['vfs_fsync', 'Calls for <code>vfs_fsync</code>', 'calls/s'],
      ['vfs_fsync_error', 'Fails to synchronize', 'calls/s'],
      ['vfs_open', 'Calls for <code>vfs_open</code>', 'calls/s'],
      ['vfs_open_error', 'Fails to open a file', 'calls/s'],
      ['vfs_create', 'Calls for <code>vfs_create</code>', 'calls/s'],
      ['vfs_create_error', 'Fails to create a file.', 'calls/s'],
    ]);
    expect(definition(ret, 'filesystem.vfs_deleted_objects').dimensions).toEqual([{ id: 'vfs_unlink', name: 'delete', algorithm: 'incremental' }]);
    expect(definition(ret, 'filesystem.vfs_io').dimensions).toEqual([
      { id: 'vfs_read', name: 'read', algorithm: 'incremental' },
      { id: 'vfs_write', name: 'write', algorithm: 'incremental' },
    ]);
    // Writes drawn below zero by the multiplier; the value itself stays a positive count.
    expect(definition(ret, 'filesystem.vfs_io_bytes').dimensions).toEqual([
      { id: 'vfs_read', name: 'read', algorithm: 'incremental' },
      { id: 'vfs_write', name: 'write', algorithm: 'incremental', multiplier: -1 },
    ]);
    expect(definition(ret, 'filesystem.vfs_io_error').dimensions.map((d) => d.id)).toEqual(['vfs_read', 'vfs_write']);
    expect(definition(ret, 'filesystem.vfs_fsync_error').dimensions).toEqual([{ id: 'vfs_fsync', name: 'fsync', algorithm: 'incremental' }]);
    expect(definition(ret, 'filesystem.vfs_open').dimensions).toEqual([{ id: 'vfs_open', name: 'open', algorithm: 'incremental' }]);
    expect(definition(ret, 'filesystem.vfs_create_error').dimensions).toEqual([{ id: 'vfs_create', name: 'create', algorithm: 'incremental' }]);
  });

  it('quirk not kept: vfs_io_bytes carries module vfs like every other chart (1.37.1 says filesystem)', () => {
    expect(definition(ret, 'filesystem.vfs_io_bytes').module).toBe('vfs');
  });
});

describe('host values', () => {
  it('are the cumulative counters, vector flavours added to the plain ones', () => {
    const b = new VfsChartBuilder({ updateEvery: 1, returnMode: true, apps: false, cgroups: false });
    const c = lanes(10n);
    const frame = byKey(b.frame({ counters: c }));
    const at = (i: number) => c[i]!;
    expect([...frame.get('filesystem.vfs_io')!]).toEqual([
      ['vfs_read', at(COUNTER.readCalls) + at(COUNTER.readvCalls)],
      ['vfs_write', at(COUNTER.writeCalls) + at(COUNTER.writevCalls)],
    ]);
    expect([...frame.get('filesystem.vfs_io_bytes')!]).toEqual([
      ['vfs_read', at(COUNTER.readBytes) + at(COUNTER.readvBytes)],
      ['vfs_write', at(COUNTER.writeBytes) + at(COUNTER.writevBytes)],
    ]);
    expect([...frame.get('filesystem.vfs_io_error')!]).toEqual([
      ['vfs_read', at(COUNTER.readErrors) + at(COUNTER.readvErrors)],
      ['vfs_write', at(COUNTER.writeErrors) + at(COUNTER.writevErrors)],
    ]);
    expect(frame.get('filesystem.vfs_deleted_objects')!.get('vfs_unlink')).toBe(at(COUNTER.unlinkCalls));
    expect(frame.get('filesystem.vfs_fsync')!.get('vfs_fsync')).toBe(at(COUNTER.fsyncCalls));
    expect(frame.get('filesystem.vfs_fsync_error')!.get('vfs_fsync')).toBe(at(COUNTER.fsyncErrors));
    expect(frame.get('filesystem.vfs_open')!.get('vfs_open')).toBe(at(COUNTER.openCalls));
    expect(frame.get('filesystem.vfs_open_error')!.get('vfs_open')).toBe(at(COUNTER.openErrors));
    expect(frame.get('filesystem.vfs_create')!.get('vfs_create')).toBe(at(COUNTER.createCalls));
    expect(frame.get('filesystem.vfs_create_error')!.get('vfs_create')).toBe(at(COUNTER.createErrors));
  });

  it('bytes are real bytes: 1024 writes of 4 KiB are 4 MiB, not 1024 * log2(4096)', () => {
    const c = new Array<bigint>(COUNTER_LANES).fill(0n);
    c[COUNTER.writeCalls] = 1024n;
    c[COUNTER.writeBytes] = 4n * 1024n * 1024n;
    expect(decodeCounters(c).writeBytes).toBe(4194304n);
    expect(() => decodeCounters([1n])).toThrow(RangeError);
  });
});

describe('per-group charts', () => {
  const apps = ['test', 'other'];

  it('apps: Netdata ids, titles, units, family vfs, stacked, incremental, no context', () => {
    const b = new VfsChartBuilder({ updateEvery: 1, returnMode: true, apps: true, cgroups: false });
    const charts = b.charts(apps).filter((c) => c.type === 'apps');
    expect(charts.map((c) => [c.id, c.title, c.units, c.priority])).toEqual([
      ['file_deleted', 'Files deleted', 'calls/s', 20065],
      ['vfs_write_call', 'Write to disk', 'calls/s', 20066],
      ['vfs_write_error', 'Fails to write', 'calls/s', 20067],
      ['vfs_read_call', 'Read from disk', 'calls/s', 20068],
      ['vfs_read_error', 'Fails to read', 'calls/s', 20069],
      ['vfs_write_bytes', 'Bytes written on disk', 'bytes/s', 20070],
      ['vfs_read_bytes', 'Bytes read from disk', 'bytes/s', 20071],
      ['vfs_fsync', 'Calls for <code>vfs_fsync</code>', 'calls/s', 20072],
      ['vfs_fsync_error', 'Sync error', 'calls/s', 20073],
      ['vfs_open', 'Calls for <code>vfs_open</code>', 'calls/s', 20074],
      ['vfs_open_error', 'Open error', 'calls/s', 20075],
      ['vfs_create', 'Calls for <code>vfs_create</code>', 'calls/s', 20076],
      ['vfs_create_error', 'Create error', 'calls/s', 20077],
    ]);
    for (const c of charts) {
      expect(c).toMatchObject({ family: 'vfs', context: '', chartType: 'stacked', module: 'vfs' });
      expect(c.dimensions).toEqual(apps.map((id) => ({ id, algorithm: 'incremental' })));
    }
  });

  it('quirk kept: apps priorities start at 20065 like the process thread\'s, and do not move in entry mode', () => {
    const entry = new VfsChartBuilder({ updateEvery: 1, returnMode: false, apps: true, cgroups: false });
    expect(entry.charts(apps).filter((c) => c.type === 'apps').map((c) => [c.id, c.priority])).toEqual([
      ['file_deleted', 20065],
      ['vfs_write_call', 20066],
      ['vfs_read_call', 20068],
      ['vfs_write_bytes', 20070],
      ['vfs_read_bytes', 20071],
      ['vfs_fsync', 20072],
      ['vfs_open', 20074],
      ['vfs_create', 20076],
    ]);
  });

  it('apps values are the group totals of the per-PID lanes, read and write summed as in the kernel', () => {
    const b = new VfsChartBuilder({ updateEvery: 1, returnMode: true, apps: true, cgroups: false });
    const totals = new Map([
      ['test', pidLanes(100n)],
      ['other', pidLanes(0n)],
    ]);
    const frame = byKey(b.frame({ counters: lanes(), apps: { names: apps, totals } }));
    expect(frame.get('apps.file_deleted')!.get('test')).toBe(100n + BigInt(PID_LANE.unlinkCalls));
    expect(frame.get('apps.vfs_write_call')!.get('test')).toBe(100n + BigInt(PID_LANE.writeCalls));
    expect(frame.get('apps.vfs_write_bytes')!.get('test')).toBe(100n + BigInt(PID_LANE.writeBytes));
    expect(frame.get('apps.vfs_read_bytes')!.get('test')).toBe(100n + BigInt(PID_LANE.readBytes));
    expect(frame.get('apps.vfs_read_error')!.get('test')).toBe(100n + BigInt(PID_LANE.readErrors));
    expect(frame.get('apps.vfs_create_error')!.get('other')).toBe(BigInt(PID_LANE.createErrors));
  });

  it('cgroups: line charts, one Netdata dimension each, contexts cgroup.vfs_*, priorities 45500+; vanished cgroups are obsolete', () => {
    const b = new VfsChartBuilder({ updateEvery: 1, returnMode: true, apps: false, cgroups: true });
    const frame = b.frame({
      counters: lanes(),
      cgroups: { names: ['docker-1'], totals: new Map([['docker-1', pidLanes(1n)]]) },
      services: { names: ['ssh'], totals: new Map([['ssh', pidLanes(1000n)]]) },
    });
    const cg = frame.charts.filter((c) => c.chart.type === 'cgroup_docker-1');
    expect(cg.map((c) => [c.chart.id, c.chart.context, c.chart.priority, c.chart.dimensions[0]!.id, c.chart.dimensions[0]!.name])).toEqual([
      ['file_deleted', 'cgroup.vfs_unlink', 45500, 'vfs_unlink', 'delete'],
      ['vfs_write_call', 'cgroup.vfs_write', 45501, 'vfs_write', 'write'],
      ['vfs_write_error', 'cgroup.vfs_write_error', 45502, 'vfs_write', 'write'],
      ['vfs_read_call', 'cgroup.vfs_read', 45503, 'vfs_read', 'read'],
      ['vfs_read_error', 'cgroup.vfs_read_error', 45504, 'vfs_read', 'read'],
      ['vfs_write_bytes', 'cgroup.vfs_write_bytes', 45505, 'vfs_write', 'write'],
      ['vfs_read_bytes', 'cgroup.vfs_read_bytes', 45506, 'vfs_read', 'read'],
      ['vfs_fsync', 'cgroup.vfs_fsync', 45507, 'vfs_fsync', 'fsync'],
      ['vfs_fsync_error', 'cgroup.vfs_fsync_error', 45508, 'vfs_fsync', 'fsync'],
      ['vfs_open', 'cgroup.vfs_open', 45509, 'vfs_open', 'open'],
      ['vfs_open_error', 'cgroup.vfs_open_error', 45510, 'vfs_open', 'open'],
      ['vfs_create', 'cgroup.vfs_create', 45511, 'vfs_create', 'create'],
      ['vfs_create_error', 'cgroup.vfs_create_error', 45512, 'vfs_create', 'create'],
    ]);
    for (const c of cg) {
      // Quirk not kept: 1.37.1 sends these with module "swap".
      expect(c.chart).toMatchObject({ family: 'vfs (eBPF)', chartType: 'line', module: 'vfs' });
      expect(c.chart.dimensions[0]!.algorithm).toBe('incremental');
    }
    expect([...cg.find((c) => c.chart.id === 'vfs_write_bytes')!.values]).toEqual([['vfs_write', 1n + BigInt(PID_LANE.writeBytes)]]);

    const svc = frame.charts.filter((c) => c.chart.type === 'services');
    expect(svc.map((c) => [c.chart.id, c.chart.context, c.chart.priority])).toHaveLength(13);
    expect(svc.find((c) => c.chart.id === 'vfs_fsync')!.chart).toMatchObject({
      title: 'Calls to <code>vfs_fsync</code>',
      context: 'services.vfs_fsync',
      family: 'vfs (eBPF)',
      chartType: 'stacked',
      priority: 20072,
    });
    expect(svc.find((c) => c.chart.id === 'vfs_open')!.chart.title).toBe('Calls to <code>vfs_open</code>');
    expect(svc.find((c) => c.chart.id === 'vfs_create')!.chart.title).toBe('Calls to <code>vfs_create</code>');
    expect(svc.find((c) => c.chart.id === 'file_deleted')!.values.get('ssh')).toBe(1000n + BigInt(PID_LANE.unlinkCalls));

    const gone = b.frame({ counters: lanes(), cgroups: { names: [], totals: new Map() } });
    expect(gone.obsolete).toHaveLength(13);
    expect(gone.obsolete![0]).toBe('cgroup_docker-1.file_deleted');
    expect(b.frame({ counters: lanes(), cgroups: { names: [], totals: new Map() } }).obsolete).toBeUndefined();
  });

  it('entry mode drops every error chart from apps, cgroups and services', () => {
    const b = new VfsChartBuilder({ updateEvery: 1, returnMode: false, apps: true, cgroups: true });
    const frame = b.frame({
      counters: lanes(),
      apps: { names: ['a'], totals: new Map() },
      cgroups: { names: ['c'], totals: new Map() },
      services: { names: ['s'], totals: new Map() },
    });
    const ids = frame.charts.map((c) => chartKey(c.chart));
    expect(ids.filter((id) => id.includes('error'))).toEqual([]);
    expect(ids.filter((id) => id.startsWith('apps.'))).toHaveLength(8);
    expect(ids.filter((id) => id.startsWith('cgroup_c.'))).toHaveLength(8);
    expect(ids.filter((id) => id.startsWith('services.'))).toHaveLength(8);
  });

  it('emits no per-dimension group chart before a group exists', () => {
    const b = new VfsChartBuilder({ updateEvery: 1, returnMode: false, apps: true, cgroups: true });
    const frame = b.frame({ counters: lanes(), apps: { names: [], totals: new Map() }, services: { names: [], totals: new Map() } });
    expect(frame.charts.every((c) => c.chart.type === 'filesystem')).toBe(true);
  });
});
