/**
 * Public types of the OpenTelemetry output.
 */
import type { Logger } from '@ebpf-collectors/core';
import type { MeterProvider } from '@opentelemetry/api';

/** Options of {@link createOtelOutput}. */
export interface OtelOutputOptions {
  /**
   * The application's MeterProvider (its SDK's readers and exporters then
   * carry our metrics). Default: the global one, `metrics.getMeterProvider()`.
   */
  meterProvider?: MeterProvider;
  /** Instrument name prefix. Default `ebpf`. */
  prefix?: string;
  /** Most attribute sets one instrument keeps; later new ones are dropped (logged once). Default 2000. */
  maxSeriesPerInstrument?: number;
  /** Warnings (name clashes, dropped series). */
  logger?: Logger;
}
