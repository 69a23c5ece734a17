/**
 * Errors raised by core and by outputs. Each carries a stable `code`.
 */
import type { AttachReport } from './types.js';

/** An output's sink went away (Netdata closed our stdout): stop cleanly. */
export class OutputClosedError extends Error {
  readonly code = 'EPIPE';
  constructor(
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(`output ${output}: the reader went away`, options);
    this.name = 'OutputClosedError';
  }
}

/** No attach mode of a collector could be loaded and attached; the report says why for each. */
export class AttachError extends Error {
  readonly code = 'ENOATTACH';
  constructor(readonly report: AttachReport) {
    super(
      `${report.collector}: no attach mode worked (${report.attempts
        .map((a) => `${a.mode}: ${a.reason ?? 'failed'}`)
        .join('; ')})`,
    );
    this.name = 'AttachError';
  }
}

