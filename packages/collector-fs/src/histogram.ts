/**
 * Histogram slot math of the filesystem collector, the user-space twin of
 * bpf/include/ebpfc_fs_hist.h and the `tbl_fs_hist` layout.
 */
import { FILESYSTEMS, FS_OPS, HIST_BINS, LANES_PER_FS, type FilesystemName, type FsOp } from './internal-types.js';

/**
 * The bin a latency (nanoseconds) falls in, as the kernel computes it:
 * 0 below 1 µs, then floor(log2(µs)) + 1, at most 23. Bin i > 0 holds
 * [2^(i-1), 2^i) µs.
 */
export function histogramBin(ns: bigint | number): number {
  const us = BigInt(ns) / 1000n;
  if (us <= 0n) return 0;
  const bin = us.toString(2).length; // floor(log2(us)) + 1
  return Math.min(bin, HIST_BINS - 1);
}

/** Lower bound of bin `bin` in microseconds (0 for bin 0). */
export function binLowerBoundUs(bin: number): number {
  return bin === 0 ? 0 : 2 ** (bin - 1);
}

/** How Netdata writes a bound: whole µs below 1 ms, whole ms below 1 s, whole seconds above. */
export function formatBoundUs(us: number): string {
  if (us < 1000) return `${us}us`;
  if (us < 1_000_000) return `${Math.floor(us / 1000)}ms`;
  return `${Math.floor(us / 1_000_000)}s`;
}

/** Dimension names built from the bin bounds: `0us->1us` ... `2s->4s`, `4s->+Inf`. */
export function histogramDimensionNames(bins = HIST_BINS): string[] {
  return Array.from({ length: bins }, (_, bin) => {
    const low = formatBoundUs(binLowerBoundUs(bin));
    const high = bin === bins - 1 ? '+Inf' : formatBoundUs(binLowerBoundUs(bin + 1));
    return `${low}->${high}`;
  });
}

/** Index in `tbl_fs_hist` of (filesystem, operation, bin): slot * 96 + op * 24 + bin. */
export function histogramLane(fs: FilesystemName, op: FsOp, bin: number): number {
  if (!Number.isInteger(bin) || bin < 0 || bin >= HIST_BINS) throw new RangeError(`bin ${bin} is not in 0..${HIST_BINS - 1}`);
  return FILESYSTEMS.indexOf(fs) * LANES_PER_FS + FS_OPS.indexOf(op) * HIST_BINS + bin;
}

/**
 * The 24 bins of one (filesystem, operation) from the summed lanes of `tbl_fs_hist`.
 *
 * @throws RangeError when `lanes` is shorter than the map
 */
export function histogramOf(lanes: ArrayLike<bigint>, fs: FilesystemName, op: FsOp): bigint[] {
  const start = histogramLane(fs, op, 0);
  if (lanes.length < start + HIST_BINS) {
    throw new RangeError(`tbl_fs_hist: need ${start + HIST_BINS} lanes for ${fs} ${op}, got ${lanes.length}`);
  }
  return Array.from({ length: HIST_BINS }, (_, bin) => lanes[start + bin]!);
}
