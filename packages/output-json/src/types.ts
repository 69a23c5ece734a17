/**
 * Public types of the JSON lines output: the shape of one line and the
 * output's options. `schema/output-json.schema.json` describes the same
 * shape as a JSON Schema.
 */
import type { ChartType, DimensionAlgorithm } from '@ebpf-collectors/core';

/** One line: everything the collectors produced at one tick. */
export interface JsonFrame {
  /** Format version ({@link JSON_SCHEMA_VERSION}). */
  schema: number;
  /** Wall-clock time of the tick, ms since the Unix epoch (a whole second). */
  time: number;
  /** The same instant as an ISO 8601 string in UTC. */
  timeIso: string;
  /** Monotonic time of the tick, ms from an arbitrary origin: use only differences between lines. */
  monotonicMs: number;
  charts: JsonChart[];
  /** Full ids of charts that went away at this tick (or when their collector stopped). Absent when none. */
  obsolete?: string[];
}

/** One chart of a line, with its definition so every line stands alone. */
export interface JsonChart {
  /** Full id `type.id`, as Netdata knows the chart. */
  id: string;
  /** Collector (module name) that produced it. */
  collector: string;
  type: string;
  title: string;
  units: string;
  family: string;
  /** Netdata context; `type.id` when the chart has none. */
  context: string;
  chartType: ChartType;
  priority: number;
  /** Seconds between values. */
  updateEvery: number;
  module: string;
  /** Chart labels; absent when the chart has none. */
  labels?: Record<string, string>;
  /** Upper bounds of the histogram buckets in seconds (dimension order; `null` = +Inf); absent for other charts. */
  histogramUpperBoundsSeconds?: Array<number | null>;
  dimensions: JsonDimension[];
}

/** One dimension of a chart and its values at this tick. */
export interface JsonDimension {
  id: string;
  /** Display name (the id when the chart gives none). */
  name: string;
  algorithm: DimensionAlgorithm;
  multiplier: number;
  divisor: number;
  /**
   * The collected integer, exactly what the Netdata output sends on its SET
   * line (a cumulative counter for `incremental`). A number: precise up to
   * 2^53. `null` when the collector sent no value (a gap).
   */
  value: number | null;
  /**
   * The value as Netdata charts it, in the chart's units: multiplier and
   * divisor applied; `incremental` as a per-second rate since the previous
   * line; percentages of the row. `null` when not known yet (first line, gap
   * or a counter that went backwards).
   */
  display: number | null;
}

/** Options of {@link createJsonOutput}. */
export interface JsonOutputOptions {
  /**
   * Where lines go. Default `process.stdout`, which is never ended by
   * `close()`; any other stream is ended by `close()`.
   */
  stream?: NodeJS.WritableStream;
  /** Wall clock for the lines `obsolete()` writes. Default `Date.now`. */
  clock?: () => number;
}
