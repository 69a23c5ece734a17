/**
 * Public types of the Prometheus output.
 */
import type { Logger, Output } from '@ebpf-collectors/core';
import type { Registry, RegistryContentType } from 'prom-client';

/** Where the HTTP endpoint listens. */
export interface ListenAddress {
  /** Host or IP to bind. Absent: every address (`::` / `0.0.0.0`). */
  host?: string;
  /** TCP port; 0 picks a free one (see {@link PrometheusOutput.listening}). */
  port: number;
}

/** Options of {@link createPrometheusOutput}. */
export interface PrometheusOutputOptions {
  /**
   * Your own prom-client registry: our metrics are registered in it (and
   * follow its content type), for an application that already serves
   * `/metrics`. Default: two registries of our own, Prometheus text and
   * OpenMetrics, served by `listen`.
   */
  registry?: Registry<RegistryContentType>;
  /** Serve `GET /metrics` here. Default: no HTTP server (in-process use). */
  listen?: ListenAddress;
  /** Metric name prefix. Default `ebpf`. */
  prefix?: string;
  /** Most label sets one metric keeps; later new ones are dropped and counted. Default 2000. */
  maxSeriesPerMetric?: number;
  /** Errors (port in use, closed connections, dropped series) and the listening address. */
  logger?: Logger;
  /** Seconds between attempts to listen again after the address was in use. Default 30; 0 never retries. */
  retryListenSeconds?: number;
}

/** The HTTP endpoint's bound address. */
export interface BoundAddress {
  host: string;
  port: number;
  /** `http://host:port/metrics`. */
  url: string;
}

/** An `Output` that keeps the latest values as Prometheus metrics. */
export interface PrometheusOutput extends Output {
  /** The registries the metrics live in (yours, or the text and OpenMetrics ones of the endpoint). */
  readonly registries: ReadonlyArray<Registry<RegistryContentType>>;
  /**
   * Resolves with the bound address once the endpoint listens, or with
   * `undefined` when it could not (the error is logged; other outputs are
   * not affected) or when there is no `listen`.
   */
  listening(): Promise<BoundAddress | undefined>;
  /** The text an HTTP scrape would get now, `openMetrics` choosing the format. */
  scrape(openMetrics?: boolean): Promise<{ contentType: string; body: string }>;
}
