/**
 * Netdata's 24 latency bins (filesystem and disk latency charts): the
 * user-space twin of the log2 slot the BPF side computes, the dimension
 * names Netdata gives them and their bounds for outputs that export real
 * histograms (`ChartDefinition.histogram`).
 */
import type { ChartDefinition } from '../types.js';

/** Bins of a latency histogram (`EBPFC_FS_HIST_BINS`, `EBPFC_DISK_HIST_BINS`). */
export const LATENCY_HISTOGRAM_BINS = 24;

/**
 * The bin a latency (nanoseconds) falls in, as the kernel computes it:
 * 0 below 1 µs, then floor(log2(µs)) + 1, at most 23. Bin i > 0 holds
 * [2^(i-1), 2^i) µs.
 */
export function histogramBin(ns: bigint | number, bins = LATENCY_HISTOGRAM_BINS): number {
  const us = BigInt(ns) / 1000n;
  if (us <= 0n) return 0;
  return Math.min(us.toString(2).length, bins - 1);
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

/** Dimension ids (= names) built from the bin bounds: `0us->1us` ... `2s->4s`, `4s->+Inf`. */
export function histogramDimensionNames(bins = LATENCY_HISTOGRAM_BINS): string[] {
  return Array.from({ length: bins }, (_, bin) => {
    const low = formatBoundUs(binLowerBoundUs(bin));
    const high = bin === bins - 1 ? '+Inf' : formatBoundUs(binLowerBoundUs(bin + 1));
    return `${low}->${high}`;
  });
}

/** Upper bound of each bin in seconds (the last `Infinity`), for `ChartDefinition.histogram`. */
export function histogramUpperBoundsSeconds(bins = LATENCY_HISTOGRAM_BINS): number[] {
  return Array.from({ length: bins }, (_, bin) => (bin === bins - 1 ? Infinity : binLowerBoundUs(bin + 1) / 1e6));
}

/** Dimension ids of a latency histogram chart (`filesystem.<fs>_<op>_latency`, `disk_latency_io.<disk>`). */
export const LATENCY_HISTOGRAM_DIMENSIONS: ReadonlyArray<string> = Object.freeze(histogramDimensionNames());

/** Upper bounds in seconds of {@link LATENCY_HISTOGRAM_DIMENSIONS}: 2^i µs, then `Infinity`. */
export const LATENCY_HISTOGRAM_BOUNDS_SECONDS: ReadonlyArray<number> = Object.freeze(histogramUpperBoundsSeconds());

/**
 * Bucket bounds of a chart whose dimensions are one histogram's buckets: its
 * `histogram` hint, or for the filesystem collector's latency charts (which
 * outputs recognise by their ids) the latency bins'. `undefined` for any other chart.
 */
export function histogramBounds(chart: ChartDefinition): ReadonlyArray<number> | undefined {
  const hint = chart.histogram?.upperBoundsSeconds;
  if (hint && hint.length === chart.dimensions.length && hint.length > 0) return hint;
  const known =
    chart.module === 'filesystem' &&
    chart.id.endsWith('_latency') &&
    chart.dimensions.length === LATENCY_HISTOGRAM_DIMENSIONS.length &&
    chart.dimensions.every((d, i) => d.id === LATENCY_HISTOGRAM_DIMENSIONS[i]);
  return known ? LATENCY_HISTOGRAM_BOUNDS_SECONDS : undefined;
}
