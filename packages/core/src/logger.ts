/**
 * A logger that writes one line per message to a stream (stderr by
 * default), in the shape Netdata's error.log expects from plugins:
 * `2026-11-22 10:00:00: ebpf.plugin INFO : message`.
 */
import type { Logger } from './types.js';

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Options of {@link createStreamLogger}. */
export interface StreamLoggerOptions {
  /** Program name in every line. Default `ebpf.plugin`. */
  name?: string;
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Where lines go. Default `process.stderr`; never stdout, which belongs to the protocol. */
  stream?: { write(chunk: string): unknown };
  /** Clock, for tests. */
  now?: () => Date;
}

/** Parse a level name; `undefined` if it is not one. */
export function parseLogLevel(text: string): LogLevel | undefined {
  const lower = text.trim().toLowerCase();
  if (lower === 'warning') return 'warn';
  return lower in LEVEL_RANK ? (lower as LogLevel) : undefined;
}

function timestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}:${pad(date.getSeconds())}`;
}

/** A {@link Logger} writing timestamped lines to a stream. */
export function createStreamLogger(options: StreamLoggerOptions = {}): Logger {
  const name = options.name ?? 'ebpf.plugin';
  const min = LEVEL_RANK[options.level ?? 'info'];
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, label: string, message: string) => {
    if (LEVEL_RANK[level] < min) return;
    // One write per line so concurrent writers never interleave inside a line.
    const text = message.replace(/\n+$/, '').replace(/\n/g, '\n    ');
    stream.write(`${timestamp(now())}: ${name} ${label} : ${text}\n`);
  };
  return {
    debug: (m) => emit('debug', 'DEBUG', m),
    info: (m) => emit('info', 'INFO', m),
    warn: (m) => emit('warn', 'WARNING', m),
    error: (m) => emit('error', 'ERROR', m),
  };
}

/** A logger that drops everything (for library users who want silence). */
export function createSilentLogger(): Logger {
  const drop = () => {};
  return { debug: drop, info: drop, warn: drop, error: drop };
}

/** Prefix every message of a logger, e.g. with a collector's name. */
export function childLogger(parent: Logger, prefix: string): Logger {
  return {
    debug: (m) => parent.debug(`${prefix}: ${m}`),
    info: (m) => parent.info(`${prefix}: ${m}`),
    warn: (m) => parent.warn(`${prefix}: ${m}`),
    error: (m) => parent.error(`${prefix}: ${m}`),
  };
}
