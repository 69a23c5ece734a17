/**
 * Chart definitions, `[syscalls]` switches and chart math, without a kernel.
 */
import { describe, expect, it } from 'vitest';
import { chartKey, type CollectorConfig, type ConfigSection } from '@ebpf-collectors/core';
import { SyncChartBuilder, decodeCounters, enabledSyscalls, syncExpectations, syncWorkload, unknownSyscallKeys } from '../src/index.js';
import { SYSCALLS } from '../src/internal-types.js';

/** A `[syscalls]` section as the ini reader would make it. */
function sections(values: Record<string, string>): Pick<CollectorConfig, 'sections'> {
  const entries = new Map(Object.entries(values).map(([key, value], i) => [key, { key, value, file: 'sync.conf', line: 20 + i }]));
  const section: ConfigSection = { name: 'syscalls', file: 'sync.conf', line: 19, entries };
  return { sections: new Map([['syscalls', section]]) };
}

describe('sync charts (Netdata 1.37.1 sync thread)', () => {
  it('declares the four mem.* charts with Netdata ids, titles, family, priorities and dimensions', () => {
    const charts = new SyncChartBuilder({ syscalls: SYSCALLS, updateEvery: 5 }).charts([]);
    expect(charts.map((c) => [chartKey(c), c.priority, c.title, c.dimensions.map((d) => d.id)])).toEqual([
      ['mem.file_sync', 21300, 'Monitor calls for <code>fsync(2)</code> and <code>fdatasync(2)</code>.', ['fsync', 'fdatasync']],
      ['mem.memory_map', 21301, 'Monitor calls for <code>msync(2)</code>.', ['msync']],
      ['mem.sync', 21302, 'Monitor calls for <code>sync(2)</code> and <code>syncfs(2)</code>.', ['sync', 'syncfs']],
      ['mem.file_segment', 21303, 'Monitor calls for <code>sync_file_range(2)</code>.', ['sync_file_range']],
    ]);
    for (const c of charts) {
      expect(c).toMatchObject({ family: 'synchronization (eBPF)', context: '', units: 'calls/s', chartType: 'line', updateEvery: 5, module: 'sync' });
      for (const d of c.dimensions) expect(d).toEqual({ id: d.id, algorithm: 'incremental' });
    }
  });

  it('a syscall turned off has no dimension, and a chart with none left is not created', () => {
    const syscalls = enabledSyscalls(sections({ fdatasync: 'no', msync: 'no', sync: 'off', syncfs: 'yes' }));
    expect(syscalls).toEqual(['fsync', 'syncfs', 'sync_file_range']);
    const charts = new SyncChartBuilder({ syscalls, updateEvery: 1 }).charts([]);
    expect(charts.map((c) => [chartKey(c), c.dimensions.map((d) => d.id)])).toEqual([
      ['mem.file_sync', ['fsync']],
      ['mem.sync', ['syncfs']],
      ['mem.file_segment', ['sync_file_range']],
    ]);
    expect(syncExpectations(syncWorkload(1), syscalls).map((e) => `${e.chart}.${e.dimension}`)).toEqual([
      'mem.file_sync.fsync',
      'mem.sync.syncfs',
      'mem.file_segment.sync_file_range',
    ]);
  });

  it('an absent section or key means yes; unknown keys are named with their file and line', () => {
    expect(enabledSyscalls({ sections: new Map() })).toEqual(SYSCALLS);
    expect(unknownSyscallKeys(sections({ fsync: 'yes', fsnyc: 'no' }))).toEqual([
      'sync.conf:21: [syscalls] "fsnyc" is not one of fsync, fdatasync, msync, sync, syncfs, sync_file_range; it is ignored',
    ]);
  });

  it('sends the cumulative lane of each syscall (incremental: the agent makes the rate)', () => {
    const builder = new SyncChartBuilder({ syscalls: SYSCALLS, updateEvery: 1 });
    const lanes = [10n, 20n, 30n, 40n, 50n, 60n];
    const frame = builder.frame({ counters: lanes });
    const values = new Map(frame.charts.map((c) => [chartKey(c.chart), Object.fromEntries(c.values)]));
    expect(values.get('mem.file_sync')).toEqual({ fsync: 10n, fdatasync: 20n });
    expect(values.get('mem.memory_map')).toEqual({ msync: 30n });
    expect(values.get('mem.sync')).toEqual({ sync: 40n, syncfs: 50n });
    expect(values.get('mem.file_segment')).toEqual({ sync_file_range: 60n });
    expect(decodeCounters(lanes)).toEqual({ fsync: 10n, fdatasync: 20n, msync: 30n, sync: 40n, syncfs: 50n, sync_file_range: 60n });
  });
});
