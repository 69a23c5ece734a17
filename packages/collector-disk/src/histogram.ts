/**
 * The disk latency histogram has Netdata's 24 latency bins, the same as the
 * filesystem collector's: the kit owns them (slot, names, bounds).
 */
export {
  LATENCY_HISTOGRAM_BINS as HIST_BINS,
  histogramBin,
  histogramDimensionNames,
  histogramUpperBoundsSeconds,
} from '@ebpf-collectors/core';
