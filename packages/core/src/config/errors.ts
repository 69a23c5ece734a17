/**
 * The one error type of the configuration loader. Bad configuration never
 * stops loading: each problem becomes a `ConfigError` in the result and the
 * affected key keeps the value it would have had without that line.
 */
import { printable } from '../text.js';

/** What {@link ConfigError} is built from. */
export interface ConfigErrorDetails {
  /** File the problem is in. */
  file: string;
  /** 1-based line, or 0 when the problem concerns the whole file (it could not be read). */
  line: number;
  /** Section the line belongs to, when it belongs to one. */
  section?: string | undefined;
  /** Key of the offending `key = value` line; empty for lines that are not `key = value`. */
  key?: string | undefined;
  /** The rejected value, or the raw text of a malformed line. */
  value: string;
  /** Human text of what is accepted, e.g. `entry, return`. */
  accepted: string;
  /** The value used instead, when the problem concerns a typed key. */
  fallback?: string | undefined;
  /** Whether `fallback` is a built-in default (as opposed to a value inherited from a previous layer). */
  fallbackIsDefault?: boolean | undefined;
  /** Overrides the generated message (for problems that are not a bad value). */
  message?: string | undefined;
  cause?: unknown;
}

/**
 * A configuration line that could not be used, with where it is, what it said
 * and what would have been accepted.
 *
 * The message reads like
 * `/etc/netdata/ebpf.d/process.conf:12: [global] "ebpf load mode" = "retrun" is not valid; accepted: entry, return. Using the default "entry".`
 */
export class ConfigError extends Error {
  readonly code = 'EBADCONFIG';
  readonly file: string;
  readonly line: number;
  readonly section: string | undefined;
  readonly key: string;
  readonly value: string;
  readonly accepted: string;
  readonly fallback: string | undefined;

  constructor(details: ConfigErrorDetails) {
    super(details.message ?? ConfigError.describe(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ConfigError';
    this.file = details.file;
    this.line = details.line;
    this.section = details.section;
    this.key = details.key ?? '';
    this.value = details.value;
    this.accepted = details.accepted;
    this.fallback = details.fallback;
  }

  /** `file:line` (or just `file` for whole-file problems). */
  get location(): string {
    return this.line > 0 ? `${this.file}:${this.line}` : this.file;
  }

  private static describe(d: ConfigErrorDetails): string {
    const where = d.line > 0 ? `${d.file}:${d.line}` : d.file;
    const section = d.section === undefined ? '' : `[${d.section}] `;
    const subject = d.key
      ? `${section}${JSON.stringify(printable(d.key))} = ${JSON.stringify(printable(d.value))}`
      : `${section}line ${JSON.stringify(printable(d.value))}`;
    let text = `${where}: ${subject} is not valid; accepted: ${d.accepted}.`;
    if (d.fallback !== undefined) {
      text += d.fallbackIsDefault === false
        ? ` Using the inherited value ${JSON.stringify(d.fallback)}.`
        : ` Using the default ${JSON.stringify(d.fallback)}.`;
    } else if (!d.key) {
      text += ' The line is ignored.';
    }
    return text;
  }
}
