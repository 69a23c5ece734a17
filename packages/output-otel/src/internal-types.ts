/**
 * Internal shapes of the OpenTelemetry output (never exported).
 */
import type { Attributes } from '@opentelemetry/api';

/** Where one dimension of a chart goes. */
export interface SeriesPlan {
  readonly name: string;
  readonly kind: 'counter' | 'gauge';
  readonly unit: string;
  readonly description: string;
  readonly attributes: Attributes;
  /** Raw value x scale = value in `unit`. */
  readonly scale: number;
  /** Raw values are per-interval amounts: the counter adds them up. */
  readonly accumulate: boolean;
}

/** A whole chart that is one histogram. */
export interface HistogramPlan {
  readonly name: string;
  readonly description: string;
  readonly attributes: Attributes;
  /** Upper bound in seconds per dimension (chart order); the last may be Infinity. */
  readonly bounds: ReadonlyArray<number>;
  readonly dimensions: ReadonlyArray<string>;
  /** Raw values are per-interval counts (absolute) rather than cumulative. */
  readonly perInterval: boolean;
}

/** How one chart maps to instruments. */
export type ChartPlan =
  | { readonly kind: 'series'; readonly dimensions: ReadonlyMap<string, SeriesPlan> }
  | { readonly kind: 'histogram'; readonly histogram: HistogramPlan };
