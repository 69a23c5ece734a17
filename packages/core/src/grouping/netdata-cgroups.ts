/**
 * Netdata's cgroup table shared by cgroups.plugin: the POSIX shared-memory
 * segment `netdata_shm_cgroup_ebpf` that Netdata's own ebpf.plugin reads to
 * learn which cgroups to chart, under which names, and where their
 * `cgroup.procs` files are.
 *
 * Layout (Netdata 1.37.1, `collectors/cgroups.plugin/sys_fs_cgroup.h`),
 * native byte order, LP64 alignment:
 *
 * | offset | header field | C type |
 * | --- | --- | --- |
 * | 0 | cgroup count (entries in use) | `int` |
 * | 4 | cgroup max (entries allocated, `max cgroups to allow`) | `int` |
 * | 8 | systemd enabled | `int` |
 * | 12 | padding | `int` |
 * | 16 | segment length in bytes (header included, despite its name `body_length`) | `size_t` |
 *
 * then `cgroup max` entries of {@link NETDATA_CGROUP_SHM_ENTRY_SIZE} bytes:
 *
 * | offset | entry field | C type |
 * | --- | --- | --- |
 * | 0 | chart name, NUL-terminated | `char[256]` |
 * | 256 | `simple_hash(name)` | `uint32_t` |
 * | 260 | options (see {@link NETDATA_CGROUP_OPTIONS}) | `uint32_t` |
 * | 264 | enabled | `int` |
 * | 268 | path of the cgroup's `cgroup.procs`, NUL-terminated | `char[FILENAME_MAX + 1]` |
 * | 4365 | padding to a multiple of 4 | 3 bytes |
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import type { CgroupClass } from './cgroups.js';
import { NetdataShmError } from './errors.js';

/** Where glibc's `shm_open("netdata_shm_cgroup_ebpf")` puts the segment. */
export const NETDATA_CGROUP_SHM_PATH = '/dev/shm/netdata_shm_cgroup_ebpf';

/**
 * The named semaphore cgroups.plugin holds while it rewrites the segment.
 * Node cannot take a POSIX semaphore, so this package does not use it (see
 * {@link readNetdataCgroupShm}); the name is here for reference.
 */
export const NETDATA_CGROUP_SEMAPHORE = '/netdata_sem_cgroup_ebpf';

/** Bytes of an entry's name field (`CGROUP_EBPF_NAME_SHARED_LENGTH`), terminating NUL included. */
export const NETDATA_CGROUP_NAME_LENGTH = 256;

/** Bytes of an entry's path field: glibc's `FILENAME_MAX` (4096) + 1. */
export const NETDATA_CGROUP_PATH_LENGTH = 4097;

/** Bytes of the segment header on a 64-bit host. */
export const NETDATA_CGROUP_SHM_HEADER_SIZE = 24;

/** Bytes of one entry: 256 + 4 + 4 + 4 + 4097, rounded up to the struct's 4-byte alignment. */
export const NETDATA_CGROUP_SHM_ENTRY_SIZE = 4368;

/** Bits of an entry's `options`. */
export const NETDATA_CGROUP_OPTIONS = Object.freeze({
  /** cgroups.plugin found another cgroup with the same chart name and disabled this one. */
  DISABLED_DUPLICATE: 0x1,
  /** A systemd service: charted as a `services.*` dimension, never as `cgroup_<name>.*`. */
  SYSTEM_SLICE_SERVICE: 0x2,
  /** Found on the unified (v2) hierarchy. */
  IS_UNIFIED: 0x4,
});

/** How often Netdata's ebpf.plugin re-reads the segment (3 s heartbeat x 10). */
export const NETDATA_CGROUP_REFRESH_MS = 30_000;

/** Non-service entries are named `cgroup_<chart title>`; the PID table keeps only the title. */
const CGROUP_NAME_PREFIX = 'cgroup_';

const HASH_OFFSET = NETDATA_CGROUP_NAME_LENGTH;
const OPTIONS_OFFSET = HASH_OFFSET + 4;
const ENABLED_OFFSET = OPTIONS_OFFSET + 4;
const PATH_OFFSET = ENABLED_OFFSET + 4;

/** The segment header. */
export interface NetdataCgroupShmHeader {
  /** Entries in use (cgroups.plugin's discovered cgroups). */
  readonly cgroupCount: number;
  /** Entries allocated (`[plugin:cgroups] max cgroups to allow`, default 1000). */
  readonly cgroupMax: number;
  /**
   * systemd services charts (or their detailed/used memory options) are on;
   * Netdata's ebpf.plugin draws `services.*` only then.
   */
  readonly systemdEnabled: boolean;
  /** Size of the whole segment in bytes (header included); 0 before cgroups.plugin first wrote it. */
  readonly bodyLength: number;
}

/** One cgroup as cgroups.plugin shares it. */
export interface NetdataCgroupEntry {
  /**
   * Chart name chosen by cgroups.plugin after its renames (container names
   * instead of ids): `cgroup_<title>` for cgroups, the bare service name
   * (`ssh`) for systemd services.
   */
  readonly name: string;
  /** Netdata's `simple_hash(name)` (32-bit FNV-1). */
  readonly hash: number;
  /** Bit set of {@link NETDATA_CGROUP_OPTIONS}. */
  readonly options: number;
  /** cgroups.plugin charts it; disabled entries are not charted by ebpf.plugin either. */
  readonly enabled: boolean;
  /** Absolute path of the cgroup's `cgroup.procs`; empty when cgroups.plugin found none. */
  readonly path: string;
  /** `options` has {@link NETDATA_CGROUP_OPTIONS.SYSTEM_SLICE_SERVICE}. */
  readonly systemdService: boolean;
}

/** A decoded segment. */
export interface NetdataCgroupShm {
  readonly header: NetdataCgroupShmHeader;
  /** The first `header.cgroupCount` entries, in segment order. */
  readonly cgroups: ReadonlyArray<NetdataCgroupEntry>;
}

/** Options of {@link parseNetdataCgroupShm}. */
export interface ParseNetdataCgroupShmOptions {
  /** Byte order of the writer, which is the host's. Default: this host's. */
  endianness?: 'LE' | 'BE';
}

/**
 * Decode a copy of the segment.
 *
 * A segment whose header is all zeros (created, not yet filled) decodes to
 * no cgroups. Only the entries in use need to be present: `buffer` may stop
 * after entry `cgroupCount - 1`.
 *
 * @throws NetdataShmError `ESHMTRUNCATED` when `buffer` is shorter than the
 *   header or than the entries the header counts; `ESHMCORRUPT` when the
 *   header is inconsistent (negative counts, more entries in use than
 *   allocated, a length that does not match the 1.37.1 layout) or a name or
 *   path is not NUL-terminated
 */
export function parseNetdataCgroupShm(buffer: Uint8Array, options: ParseNetdataCgroupShmOptions = {}): NetdataCgroupShm {
  return decode(buffer, (options.endianness ?? endianness()) === 'LE', undefined);
}

function decode(buffer: Uint8Array, littleEndian: boolean, path: string | undefined): NetdataCgroupShm {
  const fail = (code: 'ESHMTRUNCATED' | 'ESHMCORRUPT', reason: string) => new NetdataShmError(code, reason, path);
  if (buffer.byteLength < NETDATA_CGROUP_SHM_HEADER_SIZE) {
    throw fail('ESHMTRUNCATED', `${buffer.byteLength} bytes, shorter than the ${NETDATA_CGROUP_SHM_HEADER_SIZE}-byte header`);
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const count = view.getInt32(0, littleEndian);
  const max = view.getInt32(4, littleEndian);
  const systemd = view.getInt32(8, littleEndian);
  const length = view.getBigUint64(16, littleEndian);

  if (count < 0 || max < 0) throw fail('ESHMCORRUPT', `negative cgroup count ${count} or max ${max}`);
  if (count > max) throw fail('ESHMCORRUPT', `${count} cgroups in use but only ${max} allocated`);
  // cgroups.plugin sizes the segment from `max` and records that size; any other value means another
  // layout (another Netdata version, a 32-bit writer) and every offset below would be wrong.
  const expected = NETDATA_CGROUP_SHM_HEADER_SIZE + max * NETDATA_CGROUP_SHM_ENTRY_SIZE;
  const fresh = count === 0 && max === 0 && length === 0n;
  if (!fresh && length !== BigInt(expected)) {
    throw fail('ESHMCORRUPT', `header says ${length} bytes for ${max} entries, the 1.37.1 layout needs ${expected}`);
  }
  const needed = NETDATA_CGROUP_SHM_HEADER_SIZE + count * NETDATA_CGROUP_SHM_ENTRY_SIZE;
  if (buffer.byteLength < needed) {
    throw fail('ESHMTRUNCATED', `${count} cgroups need ${needed} bytes, only ${buffer.byteLength} present`);
  }

  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const cgroups: NetdataCgroupEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = NETDATA_CGROUP_SHM_HEADER_SIZE + i * NETDATA_CGROUP_SHM_ENTRY_SIZE;
    const name = cString(bytes, at, NETDATA_CGROUP_NAME_LENGTH);
    const procs = cString(bytes, at + PATH_OFFSET, NETDATA_CGROUP_PATH_LENGTH);
    if (name === undefined || procs === undefined) {
      throw fail('ESHMCORRUPT', `entry ${i}: ${name === undefined ? 'name' : 'path'} is not NUL-terminated`);
    }
    const opts = view.getUint32(at + OPTIONS_OFFSET, littleEndian);
    cgroups.push({
      name,
      hash: view.getUint32(at + HASH_OFFSET, littleEndian),
      options: opts,
      enabled: view.getInt32(at + ENABLED_OFFSET, littleEndian) !== 0,
      path: procs,
      systemdService: (opts & NETDATA_CGROUP_OPTIONS.SYSTEM_SLICE_SERVICE) !== 0,
    });
  }
  return {
    header: { cgroupCount: count, cgroupMax: max, systemdEnabled: systemd !== 0, bodyLength: Number(length) },
    cgroups,
  };
}

/** The text before the first NUL of a fixed-size field; `undefined` when the field has none. */
function cString(bytes: Buffer, start: number, size: number): string | undefined {
  const end = bytes.indexOf(0, start);
  if (end < 0 || end >= start + size) return undefined;
  return bytes.toString('utf8', start, end);
}

/** Options of {@link readNetdataCgroupShm}. */
export interface ReadNetdataCgroupShmOptions extends ParseNetdataCgroupShmOptions {
  /** Pairs of reads tried before giving up with `ESHMBUSY`. Default 3. */
  attempts?: number;
  /** Pause between attempts, ms (blocks the thread). Default 5. */
  retryDelayMs?: number;
}

/**
 * Read and decode the segment cgroups.plugin shares.
 *
 * cgroups.plugin rewrites the segment in place while holding the semaphore
 * {@link NETDATA_CGROUP_SEMAPHORE}, which Node cannot take. Instead the file
 * is read twice and a copy is used only when both reads are byte-for-byte
 * equal: a rewrite in progress makes them differ, and a rewrite takes
 * microseconds every discovery (10 s by default), so the next attempt almost
 * always succeeds. Only the header and the entries in use are read.
 *
 * @param path the segment file. Default {@link NETDATA_CGROUP_SHM_PATH}.
 * @returns `undefined` when the file does not exist (Netdata not running, or
 *   its cgroups.plugin off or too old)
 * @throws NetdataShmError `ESHMREAD` when the file exists but cannot be
 *   read; `ESHMBUSY` when no two consecutive reads agreed within `attempts`;
 *   `ESHMTRUNCATED` / `ESHMCORRUPT` as {@link parseNetdataCgroupShm}
 */
export function readNetdataCgroupShm(
  path: string = NETDATA_CGROUP_SHM_PATH,
  options: ReadNetdataCgroupShmOptions = {},
): NetdataCgroupShm | undefined {
  const littleEndian = (options.endianness ?? endianness()) === 'LE';
  const attempts = options.attempts ?? 3;
  const delay = options.retryDelayMs ?? 5;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const first = readSegmentBytes(path, littleEndian);
    if (first === undefined) return undefined;
    const second = readSegmentBytes(path, littleEndian);
    if (second === undefined) return undefined;
    if (first.equals(second)) return decode(first, littleEndian, path);
    if (attempt < attempts && delay > 0) sleepSync(delay);
  }
  throw new NetdataShmError('ESHMBUSY', `changed between every pair of ${attempts} reads`, path);
}

/** The header and the entries it counts (fewer bytes if the file is shorter); `undefined` when absent. */
function readSegmentBytes(path: string, littleEndian: boolean): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NetdataShmError('ESHMREAD', `cannot open: ${(err as Error).message}`, path, { cause: err });
  }
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(Math.min(size, NETDATA_CGROUP_SHM_HEADER_SIZE));
    const got = readFully(fd, header);
    if (got < NETDATA_CGROUP_SHM_HEADER_SIZE) return header.subarray(0, got);
    const count = littleEndian ? header.readInt32LE(0) : header.readInt32BE(0);
    // The unused tail can be megabytes (1000 entries by default); a bad count is left for decode to report.
    const wanted = count > 0 ? NETDATA_CGROUP_SHM_HEADER_SIZE + count * NETDATA_CGROUP_SHM_ENTRY_SIZE : NETDATA_CGROUP_SHM_HEADER_SIZE;
    const all = Buffer.alloc(Math.min(wanted, size));
    return all.subarray(0, readFully(fd, all));
  } catch (err) {
    throw new NetdataShmError('ESHMREAD', `cannot read: ${(err as Error).message}`, path, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/** Read from offset 0 until `buf` is full or the file ends; returns the byte count. */
function readFully(fd: number, buf: Buffer): number {
  let filled = 0;
  while (filled < buf.length) {
    const n = readSync(fd, buf, filled, buf.length - filled, filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * PIDs listed in an entry's `cgroup.procs` (one per line, as the kernel
 * writes it; only the first word of a line counts and 0 or non-numbers are
 * skipped, as Netdata does).
 *
 * @returns `undefined` when the entry has no path or the file cannot be read
 *   (the cgroup was removed since cgroups.plugin's last discovery)
 */
export function readNetdataCgroupPids(entry: Pick<NetdataCgroupEntry, 'path'>): number[] | undefined {
  if (entry.path === '') return undefined;
  let text: string;
  try {
    text = readFileSync(entry.path, 'latin1');
  } catch {
    return undefined;
  }
  const pids: number[] = [];
  for (const line of text.split('\n')) {
    const word = /^[ \t:]*([^ \t:]*)/.exec(line)![1]!;
    if (!/^\d+$/.test(word)) continue;
    const pid = Number(word);
    if (pid > 0 && pid <= 0x7fffffff) pids.push(pid);
  }
  return pids;
}

/**
 * What an entry means for the charts, as Netdata's ebpf.plugin draws it:
 * disabled entries nothing; systemd services a `services.*` dimension named
 * as the entry (only when the header says systemd charts are on, otherwise
 * nothing); every other entry a `cgroup_<name>.*` chart set, where `<name>`
 * is the entry's name without its `cgroup_` prefix (the chart type is
 * `cgroup_` + the name the PID table reports).
 */
export function netdataCgroupClass(entry: NetdataCgroupEntry, systemdEnabled: boolean): CgroupClass {
  if (!entry.enabled) return NONE;
  if (entry.systemdService) return systemdEnabled && entry.name !== '' ? { kind: 'service', name: entry.name } : NONE;
  const name = entry.name.startsWith(CGROUP_NAME_PREFIX) ? entry.name.slice(CGROUP_NAME_PREFIX.length) : entry.name;
  return name === '' ? NONE : { kind: 'cgroup', name };
}

const NONE: CgroupClass = Object.freeze({ kind: 'none' });
