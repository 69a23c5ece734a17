/**
 * Writes Netdata 1.37.1's cgroup shared-memory segment the way cgroups.plugin
 * lays it out, from the C structs (collectors/cgroups.plugin/sys_fs_cgroup.h),
 * independently of the decoder under test:
 *
 *   struct netdata_ebpf_cgroup_shm_header {   // 24 bytes on LP64
 *     int cgroup_root_count;                  // 0
 *     int cgroup_max;                         // 4
 *     int systemd_enabled;                    // 8
 *     int __pad;                              // 12
 *     size_t body_length;                     // 16 (header + cgroup_max entries)
 *   };
 *   struct netdata_ebpf_cgroup_shm_body {     // 4365 bytes of fields, 4368 with alignment
 *     char name[256];                         // 0
 *     uint32_t hash;                          // 256
 *     uint32_t options;                       // 260
 *     int enabled;                            // 264
 *     char path[FILENAME_MAX + 1];            // 268, 4097 bytes
 *   };
 */

export const HEADER_BYTES = 4 + 4 + 4 + 4 + 8;
const FIELDS_BYTES = 256 + 4 + 4 + 4 + 4097;
export const ENTRY_BYTES = Math.ceil(FIELDS_BYTES / 4) * 4;

export const SYSTEM_SLICE_SERVICE = 0x2;
export const IS_UNIFIED = 0x4;

export interface SegmentEntry {
  name: string;
  enabled?: boolean;
  options?: number;
  path?: string;
  /** Default: Netdata's simple_hash(name). */
  hash?: number;
}

export interface SegmentOptions {
  /** Allocated entries; default the number of entries. */
  max?: number;
  systemdEnabled?: boolean;
  /** Written into the count field instead of the number of entries. */
  count?: number;
  /** Written into body_length instead of the size cgroups.plugin computes. */
  bodyLength?: bigint;
  endianness?: 'LE' | 'BE';
}

/** Netdata's simple_hash: 32-bit FNV-1 over the bytes of the string. */
export function simpleHash(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h = Math.imul(h, 16777619) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h;
}

/** A whole segment: header plus `max` entry slots, unused ones zeroed (as ftruncate leaves them). */
export function buildSegment(entries: ReadonlyArray<SegmentEntry>, options: SegmentOptions = {}): Buffer {
  const max = options.max ?? entries.length;
  const le = (options.endianness ?? 'LE') === 'LE';
  const size = HEADER_BYTES + max * ENTRY_BYTES;
  const buf = Buffer.alloc(Math.max(size, HEADER_BYTES + entries.length * ENTRY_BYTES));
  const i32 = (value: number, at: number) => (le ? buf.writeInt32LE(value, at) : buf.writeInt32BE(value, at));
  const u32 = (value: number, at: number) => (le ? buf.writeUInt32LE(value, at) : buf.writeUInt32BE(value, at));
  i32(options.count ?? entries.length, 0);
  i32(max, 4);
  i32(options.systemdEnabled === false ? 0 : 1, 8);
  const bodyLength = options.bodyLength ?? BigInt(size);
  if (le) buf.writeBigUInt64LE(bodyLength, 16);
  else buf.writeBigUInt64BE(bodyLength, 16);

  entries.forEach((entry, i) => {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    buf.write(entry.name, at, 255, 'utf8');
    u32(entry.hash ?? simpleHash(entry.name), at + 256);
    u32(entry.options ?? 0, at + 260);
    i32(entry.enabled === false ? 0 : 1, at + 264);
    buf.write(entry.path ?? '', at + 268, 4096, 'utf8');
  });
  return buf;
}
