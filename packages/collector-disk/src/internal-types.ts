/**
 * The TypeScript mirror of bpf/disk.h and the program names of
 * bpf/disk.bpf.c. Not exported from the package.
 */

/** `EBPFC_DISK_MAX_DISKS`. */
export const MAX_DISKS = 256;

/** `struct ebpfc_disk_bin_key`: `dev` (u32) then `bin` (u32). */
export const BIN_KEY = { dev: 0, bin: 4, size: 8 } as const;

/** Map names in the object. */
export const MAP = {
  /** PERCPU_HASH {dev, bin} -> u64 count. */
  bins: 'tbl_disk_iocall',
  /** LRU_HASH request address -> issue time and disk. */
  inflight: 'tmp_disk_start',
} as const;

/** The programs, raw tracepoints used in every attach mode, and their events. */
export const PROGRAMS = [
  { program: 'tracepoint_block_rq_issue', category: 'block', event: 'block_rq_issue' },
  { program: 'tracepoint_block_rq_complete', category: 'block', event: 'block_rq_complete' },
] as const;
