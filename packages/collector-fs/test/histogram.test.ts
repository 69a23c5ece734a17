/**
 * Histogram bins: names as Netdata writes them, and the slot math the kernel
 * side uses (bpf/include/ebpfc_fs_hist.h, tbl_fs_hist layout).
 */
import { describe, expect, it } from 'vitest';
import { histogramBin, histogramDimensionNames, histogramLane, histogramOf } from '../src/histogram.js';
import { FILESYSTEMS, FS_OPS, HIST_LANES } from '../src/internal-types.js';
import { HISTOGRAM_DIMENSIONS } from '../src/metrics.js';

describe('histogram dimension names', () => {
  it('are the 24 names of Netdata (netdata-reference §1.5)', () => {
    expect(HISTOGRAM_DIMENSIONS).toEqual([
      '0us->1us', '1us->2us', '2us->4us', '4us->8us', '8us->16us', '16us->32us', '32us->64us', '64us->128us',
      '128us->256us', '256us->512us', '512us->1ms', '1ms->2ms', '2ms->4ms', '4ms->8ms', '8ms->16ms', '16ms->32ms',
      '32ms->65ms', '65ms->131ms', '131ms->262ms', '262ms->524ms', '524ms->1s', '1s->2s', '2s->4s', '4s->+Inf',
    ]);
  });

  it('follow from the bin bounds (powers of two of microseconds, truncated to ms and s)', () => {
    expect(histogramDimensionNames()).toEqual(HISTOGRAM_DIMENSIONS);
  });
});

describe('histogramBin (latency in ns -> bin)', () => {
  it.each([
    [0, 0],
    [999, 0],
    [1_000, 1],
    [1_999, 1],
    [2_000, 2],
    [3_999, 2],
    [4_000, 3],
    [511_999, 9],
    [512_000, 10],
    [1_023_999, 10],
    [1_024_000, 11],
    [2 ** 21 * 1000 - 1, 21],
    [2 ** 21 * 1000, 22],
    [2 ** 22 * 1000 - 1, 22],
    [2 ** 22 * 1000, 23],
    [3600e9, 23],
  ])('%d ns -> bin %d', (ns, bin) => {
    expect(histogramBin(ns)).toBe(bin);
  });

  it('bin b > 0 holds exactly [2^(b-1), 2^b) us, the range its name gives (Netdata put [2^b, 2^(b+1)) there)', () => {
    for (let b = 1; b < 23; b++) {
      expect(histogramBin(2 ** (b - 1) * 1000)).toBe(b);
      expect(histogramBin((2 ** b - 1) * 1000 + 999)).toBe(b);
    }
    // Netdata's floor(log2(us)) would put 3 us in `1us->2us`; here it is in `2us->4us`.
    expect(HISTOGRAM_DIMENSIONS[histogramBin(3_000)]).toBe('2us->4us');
    expect(HISTOGRAM_DIMENSIONS[histogramBin(1_500)]).toBe('1us->2us');
    expect(HISTOGRAM_DIMENSIONS[histogramBin(700)]).toBe('0us->1us');
  });

  it('accepts bigint nanoseconds', () => {
    expect(histogramBin(10n ** 12n)).toBe(23);
  });
});

describe('tbl_fs_hist layout', () => {
  it('indexes slot * 96 + op * 24 + bin, in Netdata filesystem order', () => {
    expect(histogramLane('ext4', 'read', 0)).toBe(0);
    expect(histogramLane('ext4', 'sync', 23)).toBe(95);
    expect(histogramLane('xfs', 'read', 0)).toBe(96);
    expect(histogramLane('nfs', 'write', 5)).toBe(2 * 96 + 24 + 5);
    expect(histogramLane('btrfs', 'sync', 23)).toBe(HIST_LANES - 1);
    expect(() => histogramLane('ext4', 'read', 24)).toThrow(RangeError);
  });

  it('histogramOf takes the 24 lanes of one filesystem operation', () => {
    const lanes = Array.from({ length: HIST_LANES }, (_, i) => BigInt(i));
    for (const fs of FILESYSTEMS) {
      for (const op of FS_OPS) {
        const bins = histogramOf(lanes, fs, op);
        expect(bins).toHaveLength(24);
        expect(bins[0]).toBe(BigInt(histogramLane(fs, op, 0)));
        expect(bins[23]).toBe(BigInt(histogramLane(fs, op, 23)));
      }
    }
    expect(() => histogramOf(lanes.slice(0, 100), 'xfs', 'write')).toThrow(RangeError);
  });
});
