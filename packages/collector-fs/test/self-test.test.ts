/**
 * The self-tests' pure parts: bounds, key PIDs, histogram totals, workload
 * sizes and output parsing, and the mount lookup they rely on.
 */
import { describe, expect, it } from 'vitest';
import {
  HISTOGRAM_TOTAL,
  fdExpectations,
  fdKeyPid,
  filesystemExpectations,
  fsMetrics,
  mountOf,
  parseFdWorkOutput,
  parseMountinfo,
  scaledCount,
  scaledFdWork,
  withHistogramTotals,
} from '../src/index.js';

const WORK = { opens: 10, failedOpens: 4, failedCloses: 2 };

describe('fdExpectations', () => {
  it('entry mode: calls on the host chart and the group, no error charts', () => {
    const bounds = fdExpectations({ work: WORK, returnMode: false, appGroup: 'mygroup' }).map((e) => [e.chart, e.dimension, e.atLeast]);
    expect(bounds).toEqual([
      ['filesystem.file_descriptor', 'do_sys_open', 14n],
      ['filesystem.file_descriptor', '__close_fd', 12n],
      ['apps.file_open', 'mygroup', 14n],
      ['apps.file_closed', 'mygroup', 12n],
    ]);
  });

  it('return mode: the failures on the error charts too', () => {
    const bounds = fdExpectations({ work: WORK, returnMode: true, appGroup: 'g' }).map((e) => [e.chart, e.dimension, e.atLeast]);
    expect(bounds).toEqual([
      ['filesystem.file_descriptor', 'do_sys_open', 14n],
      ['filesystem.file_descriptor', '__close_fd', 12n],
      ['filesystem.file_error', 'do_sys_open', 4n],
      ['filesystem.file_error', '__close_fd', 2n],
      ['apps.file_open', 'g', 14n],
      ['apps.file_open_error', 'g', 4n],
      ['apps.file_closed', 'g', 12n],
      ['apps.file_close_error', 'g', 2n],
    ]);
  });

  it('apps off: host charts only', () => {
    expect(fdExpectations({ work: WORK, returnMode: true }).map((e) => e.chart)).toEqual([
      'filesystem.file_descriptor',
      'filesystem.file_descriptor',
      'filesystem.file_error',
      'filesystem.file_error',
    ]);
  });
});

describe('fdKeyPid', () => {
  it('is the child with collect pid = all, else the process that spawned it', () => {
    expect(fdKeyPid('all', 20, 10)).toBe(20);
    expect(fdKeyPid('real parent', 20, 10)).toBe(10);
    expect(fdKeyPid('parent', 20, 10)).toBe(10);
    expect(fdKeyPid('not set', 20, 10)).toBe(10);
  });
});

describe('workload sizes', () => {
  it('scale down, never below one call of each kind', () => {
    expect(scaledFdWork(1)).toEqual({ opens: 500, failedOpens: 200, failedCloses: 50 });
    expect(scaledFdWork(0.25)).toEqual({ opens: 125, failedOpens: 50, failedCloses: 13 });
    expect(scaledFdWork(0.0001)).toEqual({ opens: 1, failedOpens: 1, failedCloses: 1 });
    expect(() => scaledCount(10, 0)).toThrow(RangeError);
    expect(() => scaledCount(10, Number.NaN)).toThrow(RangeError);
  });

  it('the fd workload output is read back, or undefined without its line', () => {
    expect(parseFdWorkOutput('noise\nfd 500 200 50\n')).toEqual({ opens: 500, failedOpens: 200, failedCloses: 50 });
    expect(parseFdWorkOutput('fd 1 2\n')).toBeUndefined();
  });
});

describe('filesystem bounds', () => {
  const work = { opens: 4, writes: 20, reads: 19, syncs: 2 };

  it('one bound on the sum of all bins of each latency chart', () => {
    expect(filesystemExpectations('xfs', work).map((e) => [e.chart, e.dimension, e.atLeast])).toEqual([
      ['filesystem.xfs_read_latency', HISTOGRAM_TOTAL, 19n],
      ['filesystem.xfs_write_latency', HISTOGRAM_TOTAL, 20n],
      ['filesystem.xfs_open_latency', HISTOGRAM_TOTAL, 4n],
      ['filesystem.xfs_sync_latency', HISTOGRAM_TOTAL, 2n],
    ]);
  });

  it('nfs: no bound on the attribute chart, which the workload does not call', () => {
    expect(filesystemExpectations('nfs', work).map((e) => e.chart)).toEqual([
      'filesystem.nfs_read_latency',
      'filesystem.nfs_write_latency',
      'filesystem.nfs_open_latency',
    ]);
  });

  it('the totals sum every bin of the chart and nothing else', () => {
    const bins = fsMetrics.HISTOGRAM_DIMENSIONS;
    const movement = new Map<string, bigint>([
      [`filesystem.ext4_read_latency.${bins[0]}`, 3n],
      [`filesystem.ext4_read_latency.${bins[23]}`, 4n],
      [`filesystem.ext4_write_latency.${bins[5]}`, 5n],
      [`filesystem.xfs_read_latency.${bins[5]}`, 100n],
    ]);
    const totals = withHistogramTotals(movement, 'ext4');
    expect(totals.get(`filesystem.ext4_read_latency.${HISTOGRAM_TOTAL}`)).toBe(7n);
    expect(totals.get(`filesystem.ext4_write_latency.${HISTOGRAM_TOTAL}`)).toBe(5n);
    expect(totals.get(`filesystem.ext4_open_latency.${HISTOGRAM_TOTAL}`)).toBe(0n);
    expect(totals.get(`filesystem.xfs_read_latency.${HISTOGRAM_TOTAL}`)).toBeUndefined();
    expect(totals.get(`filesystem.xfs_read_latency.${bins[5]}`)).toBe(100n);
  });
});

describe('mountOf', () => {
  const mounts = parseMountinfo(
    [
      '22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw',
      '30 22 0:27 / /tmp rw - tmpfs tmpfs rw',
      '31 30 7:0 / /tmp/a rw - xfs /dev/loop0 rw',
      '32 22 0:40 / /var/tmp ro - 9p hostroot ro',
      '33 30 0:41 / /tmp rw - tmpfs tmpfs rw',
    ].join('\n'),
  );

  it('takes the longest mount point holding the path, the top one when stacked', () => {
    expect(mountOf('/tmp/a/b', mounts)?.fsType).toBe('xfs');
    expect(mountOf('/tmp/a', mounts)?.fsType).toBe('xfs');
    expect(mountOf('/tmp/ab', mounts)?.mountId).toBe(33);
    expect(mountOf('/var/tmp/x', mounts)?.fsType).toBe('9p');
    expect(mountOf('/home', mounts)?.fsType).toBe('ext4');
  });
});
