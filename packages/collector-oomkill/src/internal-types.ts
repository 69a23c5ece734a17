/**
 * The TypeScript mirror of bpf/oomkill.h and the program name of
 * bpf/oomkill.bpf.c. Not exported from the package.
 */

/** Lanes of `tbl_oomkill_stats` (`enum ebpfc_oomkill_counter`). */
export const COUNTER = { kills: 0, lost: 1 } as const;

/** `EBPFC_OOMKILL_COUNTERS`. */
export const COUNTER_LANES = 2;

/** Slots of a victim's `cgroup[]` (`enum ebpfc_oomkill_cgroup_slot`). */
export const CGROUP_SLOT = { cpuset: 0, io: 1, memory: 2, devices: 3, unified: 4 } as const;

/** `EBPFC_OOMKILL_CG_SLOTS`. */
export const CGROUP_SLOTS = 5;

/** `enum ebpfc_oomkill_flag`. */
export const FLAG = { self: 1, tracepointComm: 2 } as const;

/** `struct ebpfc_oomkill_victim`: offsets and size in bytes. */
export const VICTIM = {
  kills: 0,
  cgroup: 8,
  ppid: 48,
  flags: 52,
  comm: 56,
  commLength: 16,
  size: 72,
} as const;

/** `EBPFC_OOMKILL_VICTIMS`. */
export const VICTIM_ENTRIES = 64;

/** Map names in the object. */
export const MAP = {
  stats: 'tbl_oomkill_stats',
  victims: 'tbl_oomkill',
} as const;

/** The program, used in every attach mode. */
export const PROGRAM = 'tracepoint_oom_mark_victim';

/** The tracepoint it attaches to. */
export const TRACEPOINT = { category: 'oom', event: 'mark_victim' } as const;
