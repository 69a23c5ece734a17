/**
 * Histogram slot math of the filesystem collector, the user-space twin of
 * bpf/include/ebpfc_fs_hist.h and the `tbl_fs_hist` layout.
 */
import { FILESYSTEMS, FS_OPS, HIST_BINS, LANES_PER_FS, type FilesystemName, type FsOp } from './internal-types.js';

// The bins themselves (bounds, names) are the kit's, shared with the disk collector.
export { binLowerBoundUs, formatBoundUs, histogramBin, histogramDimensionNames } from '@ebpf-collectors/core';

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
