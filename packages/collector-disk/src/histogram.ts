/**
 * Netdata's 24 latency bins, the user-space twin of bpf/include/ebpfc_fs_hist.h.
 */
// KIT-CANDIDATE: the same bins, names and bounds live in collector-fs
// (src/histogram.ts) and here; core (or a small shared module) should own
// them, with the `ChartHistogram` bounds every latency histogram chart sets.

/** `EBPFC_DISK_HIST_BINS` (= `EBPFC_FS_HIST_BINS`). */
export const HIST_BINS = 24;

/** The bin of a latency in nanoseconds, as the kernel computes it: 0 below 1 µs, then floor(log2(µs)) + 1, at most 23. */
export function histogramBin(ns: bigint | number): number {
  const us = BigInt(ns) / 1000n;
  if (us <= 0n) return 0;
  return Math.min(us.toString(2).length, HIST_BINS - 1);
}

/** Lower bound of a bin in microseconds (0 for bin 0). */
export function binLowerBoundUs(bin: number): number {
  return bin === 0 ? 0 : 2 ** (bin - 1);
}

/** How Netdata writes a bound: whole µs below 1 ms, whole ms below 1 s, whole seconds above. */
export function formatBoundUs(us: number): string {
  if (us < 1000) return `${us}us`;
  if (us < 1_000_000) return `${Math.floor(us / 1000)}ms`;
  return `${Math.floor(us / 1_000_000)}s`;
}

/** Dimension ids (= names): `0us->1us` ... `2s->4s`, `4s->+Inf`. */
export function histogramDimensionNames(bins = HIST_BINS): string[] {
  return Array.from({ length: bins }, (_, bin) => {
    const low = formatBoundUs(binLowerBoundUs(bin));
    const high = bin === bins - 1 ? '+Inf' : formatBoundUs(binLowerBoundUs(bin + 1));
    return `${low}->${high}`;
  });
}

/** Upper bound of each bin in seconds (the last one `Infinity`), for `ChartDefinition.histogram`. */
export function histogramUpperBoundsSeconds(bins = HIST_BINS): number[] {
  return Array.from({ length: bins }, (_, bin) => (bin === bins - 1 ? Infinity : binLowerBoundUs(bin + 1) / 1e6));
}
