/**
 * Errors raised by the grouping layer (apps_groups.conf, PID table,
 * accumulators). Each carries a stable `code`.
 */
import { printable } from '../text.js';

/**
 * A line of apps_groups.conf that could not be used. Parsing goes on with the
 * next line; the parser returns these instead of throwing.
 */
export class AppsGroupsError extends Error {
  readonly code = 'EBADAPPSGROUPS';
  constructor(
    /** What is wrong, without the location. */
    readonly reason: string,
    readonly file: string,
    /** 1-based line number. */
    readonly line: number,
    /** How to fix the line. */
    readonly hint: string,
  ) {
    super(`${file}:${line}: ${printable(reason, 240)} (${printable(hint, 240)})`);
    this.name = 'AppsGroupsError';
  }
}

/** Neither the user nor the stock apps_groups.conf could be read. */
export class AppsGroupsNotFoundError extends Error {
  readonly code = 'ENOAPPSGROUPS';
  constructor(
    /** Every path that was tried, in order. */
    readonly tried: ReadonlyArray<string>,
    options?: { cause?: unknown },
  ) {
    super(
      tried.length === 0
        ? 'apps_groups.conf: no user or stock config directory given'
        : `apps_groups.conf not found: tried ${tried.join(' and ')}`,
      options,
    );
    this.name = 'AppsGroupsNotFoundError';
  }
}

/** A PID's values did not have the number of lanes its accumulator was created for. */
export class LaneCountError extends Error {
  readonly code = 'ELANES';
  constructor(
    readonly pid: number,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`pid ${pid}: ${actual} values given, the accumulator expects ${expected} lanes`);
    this.name = 'LaneCountError';
  }
}

/** The proc filesystem could not be listed (not mounted, wrong `procRoot`, no permission). */
export class ProcReadError extends Error {
  readonly code = 'EPROCREAD';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot list ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ProcReadError';
  }
}

/** Why a Netdata cgroup segment was refused. */
export type NetdataShmErrorCode =
  /** Shorter than its header, or than the entries its header counts. */
  | 'ESHMTRUNCATED'
  /** Values no writer of the 1.37.1 layout produces (negative or inconsistent counts, unterminated strings). */
  | 'ESHMCORRUPT'
  /** Two reads in a row never agreed: cgroups.plugin kept rewriting it. */
  | 'ESHMBUSY'
  /** The file exists but could not be read (permissions, I/O error). */
  | 'ESHMREAD';

/**
 * Netdata's cgroup shared-memory segment (`netdata_shm_cgroup_ebpf`, written
 * by cgroups.plugin) could not be used. The PID table falls back to
 * `/proc/<pid>/cgroup` when it sees one.
 */
export class NetdataShmError extends Error {
  constructor(
    readonly code: NetdataShmErrorCode,
    /** What is wrong, without the location. */
    readonly reason: string,
    /** The segment file, when the data came from one. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(path === undefined ? `netdata cgroup segment: ${reason}` : `${path}: ${reason}`, options);
    this.name = 'NetdataShmError';
  }
}
