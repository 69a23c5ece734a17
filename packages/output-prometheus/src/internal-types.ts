/**
 * Internal shapes of the Prometheus output (never exported).
 */

/** Prometheus metric types we produce. */
export type FamilyType = 'counter' | 'gauge' | 'histogram';

/** Where one dimension of a chart goes. */
export interface SeriesPlan {
  /** Family name without `_total` (counters get it when rendered). */
  readonly family: string;
  readonly type: Exclude<FamilyType, 'histogram'>;
  readonly help: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Raw value x scale = value in base units (multiplier, divisor, unit conversion). */
  readonly scale: number;
  /** The raw values are per-interval amounts: the counter adds them up. */
  readonly accumulate: boolean;
}

/** A whole chart that is one histogram. */
export interface HistogramPlan {
  readonly family: string;
  readonly help: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Upper bound in seconds per dimension (chart order); the last may be Infinity. */
  readonly bounds: ReadonlyArray<number>;
  /** Dimension ids in the order of `bounds`. */
  readonly dimensions: ReadonlyArray<string>;
  /** The raw values are per-interval counts (absolute): add them up. */
  readonly accumulate: boolean;
}

/** How one chart maps to metrics. */
export type ChartPlan =
  | { readonly kind: 'series'; readonly dimensions: ReadonlyMap<string, SeriesPlan> }
  | { readonly kind: 'histogram'; readonly histogram: HistogramPlan };
