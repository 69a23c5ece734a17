/**
 * The HTTP endpoint: `GET /metrics` in Prometheus text or OpenMetrics,
 * chosen by the scraper's `Accept` header.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@ebpf-collectors/core';
import { formatListen } from './listen.js';
import { METRICS_PATH } from './metrics.js';
import type { BoundAddress, ListenAddress } from './types.js';

/** What the server asks the output for on each scrape. */
export type ScrapeFunction = (openMetrics: boolean) => Promise<{ contentType: string; body: string }>;

/** True when the scraper accepts OpenMetrics (Prometheus sends it first in `Accept`). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const [type, ...params] = part.trim().split(';');
    if (type?.trim().toLowerCase() !== 'application/openmetrics-text') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** Why listening failed, in words an operator can act on. */
function listenErrorMessage(error: NodeJS.ErrnoException, where: string): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the address is already in use (another exporter, or another ebpf.plugin?); choose another with --listen HOST:PORT`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: no local interface has that address; use an address of this machine, e.g. --listen 127.0.0.1:PORT`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: the host name does not resolve`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}

/** A started endpoint. */
export interface Endpoint {
  /** Resolves once listening (the address), or after the first failure (undefined). */
  readonly listening: Promise<BoundAddress | undefined>;
  close(): Promise<void>;
}

/**
 * Start the endpoint. Failures never throw: they are logged, and after
 * `EADDRINUSE` listening is tried again every `retrySeconds`.
 */
export function startEndpoint(address: ListenAddress, scrape: ScrapeFunction, logger: Logger | undefined, retrySeconds: number): Endpoint {
  const where = formatListen(address);
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let settle: (value: BoundAddress | undefined) => void = () => undefined;
  const listening = new Promise<BoundAddress | undefined>((resolve) => (settle = resolve));

  const server: Server = createServer((request, response) => {
    handle(request, response, scrape, logger).catch((error: unknown) => {
      logger?.error(`prometheus output: scrape failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('scrape failed\n');
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // A scraper that hung up (or sent garbage) costs itself the reply, nothing else.
    const code = error.code ?? error.message;
    const hungUp = code === 'ECONNRESET' || code === 'EPIPE' || code === 'HPE_INVALID_EOF_STATE';
    logger?.warn(
      hungUp
        ? `prometheus output: a client closed its connection before its scrape request was complete (${code}); the endpoint keeps serving`
        : `prometheus output: a client sent something that is not an HTTP request (${code}); answered 400, the endpoint keeps serving`,
    );
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    logger?.error(`prometheus output: ${listenErrorMessage(error, where)}; the other outputs keep running`);
    settle(undefined);
    if (error.code === 'EADDRINUSE' && retrySeconds > 0 && !closed) {
      retry = setTimeout(() => {
        if (!closed) server.listen(address.port, address.host);
      }, retrySeconds * 1000);
      retry.unref();
    }
  });
  server.on('listening', () => {
    const bound = server.address() as AddressInfo;
    const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    const result = { host: bound.address, port: bound.port, url: `http://${host}:${bound.port}${METRICS_PATH}` };
    logger?.info(`prometheus output: serving ${result.url}`);
    settle(result);
  });
  server.listen(address.port, address.host);

  return {
    listening,
    close(): Promise<void> {
      closed = true;
      if (retry) clearTimeout(retry);
      settle(undefined);
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, scrape: ScrapeFunction, logger: Logger | undefined): Promise<void> {
  // Writing to a socket the scraper closed fails; the 'close' handler below reports it.
  response.on('error', () => undefined);
  response.on('close', () => {
    if (!response.writableFinished) {
      logger?.warn(`prometheus output: ${request.socket.remoteAddress ?? 'a client'} closed its connection before the scrape reply was sent; the endpoint keeps serving`);
    }
  });
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    response.end('only GET and HEAD\n');
    return;
  }
  if (path === '/') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<html><head><title>ebpf.plugin</title></head><body><a href="${METRICS_PATH}">Metrics</a></body></html>\n`);
    return;
  }
  if (path !== METRICS_PATH) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(`not found; metrics are at ${METRICS_PATH}\n`);
    return;
  }
  const { contentType, body } = await scrape(wantsOpenMetrics(request.headers.accept));
  if (response.destroyed) return;
  response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(request.method === 'HEAD' ? undefined : body);
}
