/** Delivery of libbpf's captured lines to a {@link Logger}. */
import type { NativeLogLine } from './internal-types.js';
import type { Logger } from './types.js';

/**
 * The default when no logger was given: libbpf's warnings to stderr, the rest
 * dropped (libbpf's debug output is long and only useful when asked for).
 */
export const stderrWarnings: Logger = {
  debug() {},
  info() {},
  warn(message) {
    process.stderr.write(`${message}\n`);
  },
  error(message) {
    process.stderr.write(`${message}\n`);
  },
};

/**
 * Sends captured lines to the logger, after the operation that produced them
 * (libbpf may print from a worker thread; the logger is only called from JS).
 * Multi-line messages (the verifier log) become one call per line.
 */
export function deliverLog(logger: Logger, lines: readonly NativeLogLine[], options: { demote?: boolean } = {}): void {
  for (const [level, text] of lines) {
    for (const line of text.split('\n')) {
      // A feature the kernel lacks is an expected outcome (the caller falls
      // back to another mode and the error says why): libbpf's complaints
      // about it are detail, not warnings.
      if (options.demote) logger.debug(line);
      else if (level === 0) logger.warn(line);
      else if (level === 1) logger.info(line);
      else logger.debug(line);
    }
  }
}
