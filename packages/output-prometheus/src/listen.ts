/**
 * `HOST:PORT` parsing for the endpoint's listen address.
 */
import { isIP } from 'node:net';
import { DEFAULT_PORT } from './metrics.js';
import type { ListenAddress } from './types.js';

/**
 * Parse a listen address: `:9435`, `9435`, `127.0.0.1:9435`, `localhost:9435`,
 * `[::1]:9435`, or a bare host/IP (then port 9435).
 *
 * @throws RangeError with a message saying what is wrong and what is accepted
 */
export function parseListen(text: string): ListenAddress {
  const value = text.trim();
  const fail = (why: string): never => {
    throw new RangeError(`"${text}" is not a listen address: ${why} (use HOST:PORT, :PORT or [IPv6]:PORT, e.g. 127.0.0.1:${DEFAULT_PORT})`);
  };
  if (value === '') return fail('it is empty');
  let host: string | undefined;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
    if (!host || isIP(host) !== 6) return fail(`"${host ?? ''}" in brackets is not an IPv6 address`);
  } else if (/^\d+$/.test(value)) {
    portText = value;
  } else if (isIP(value) === 6) {
    host = value;
  } else {
    const colon = value.lastIndexOf(':');
    if (colon === -1) host = value;
    else {
      host = value.slice(0, colon) || undefined;
      portText = value.slice(colon + 1);
      if (host?.includes(':')) return fail('write an IPv6 address in brackets');
    }
  }
  if (host !== undefined && isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host)) {
    return fail(`"${host}" is neither an IP address nor a host name`);
  }
  let port = DEFAULT_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return fail(`the port "${portText}" is not a number from 0 to 65535`);
    port = Number(portText);
  }
  return host === undefined ? { port } : { host, port };
}

/** `host:port` as people write it (IPv6 in brackets; no host = every address). */
export function formatListen(address: ListenAddress): string {
  const host = address.host === undefined ? '' : isIP(address.host) === 6 ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}
