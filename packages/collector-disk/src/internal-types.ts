/**
 * Numbers and names shared with bpf/disk.bpf.c and bpf/disk.h: the disk
 * count, the bin key layout, map and program names come from
 * src/generated/disk.ts, which the build generates from the header and the
 * object. Not exported from the package.
 */
import { DiskBinKeyLayout, EBPFC_DISK_MAX_DISKS, type MapName, type ProgramName } from './generated/disk.js';

/** `EBPFC_DISK_MAX_DISKS`. */
export const MAX_DISKS = EBPFC_DISK_MAX_DISKS;

/** `struct ebpfc_disk_bin_key`: `dev` (u32) then `bin` (u32). */
export const BIN_KEY = {
  dev: DiskBinKeyLayout.fields.dev.offset,
  bin: DiskBinKeyLayout.fields.bin.offset,
  size: DiskBinKeyLayout.size,
} as const;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = {
  /** PERCPU_HASH {dev, bin} -> u64 count. */
  bins: 'tbl_disk_iocall',
  /** LRU_HASH request address -> issue time and disk. */
  inflight: 'tmp_disk_start',
} as const satisfies Record<string, MapName>;

/**
 * The programs used in every attach mode and their events: each name stands for its `_tp_btf` and `_raw_tp`
 * twins (the kit's typed hooks), which the compiler checks exist.
 */
export const PROGRAMS = [
  { program: 'tracepoint_block_rq_issue', category: 'block', event: 'block_rq_issue' },
  { program: 'tracepoint_block_rq_complete', category: 'block', event: 'block_rq_complete' },
] as const satisfies ReadonlyArray<{ program: TwinBase<ProgramName>; category: string; event: string }>;

/** `foo` for each `foo_tp_btf` of `N`. */
type TwinBase<N extends string> = N extends `${infer P}_tp_btf` ? P : never;
