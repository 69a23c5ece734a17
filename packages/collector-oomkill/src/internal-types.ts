/**
 * Numbers and names shared with bpf/oomkill.bpf.c and bpf/oomkill.h: lanes,
 * slots, flags, the victim layout and the map names come from
 * src/generated/oomkill.ts, which the build generates from the header and the
 * object. Not exported from the package.
 */
import {
  EBPFC_OOMKILL_CG_SLOTS,
  EBPFC_OOMKILL_COUNTERS,
  EBPFC_OOMKILL_VICTIMS,
  OomkillCgroupSlot,
  OomkillCounter,
  OomkillFlag,
  OomkillVictimLayout,
  type MapName,
  type ProgramName,
} from './generated/oomkill.js';

/** Lanes of `tbl_oomkill_stats` (`enum ebpfc_oomkill_counter`). */
export const COUNTER = OomkillCounter;

/** `EBPFC_OOMKILL_COUNTERS`. */
export const COUNTER_LANES = EBPFC_OOMKILL_COUNTERS;

/** Slots of a victim's `cgroup[]` (`enum ebpfc_oomkill_cgroup_slot`). */
export const CGROUP_SLOT = OomkillCgroupSlot;

/** `EBPFC_OOMKILL_CG_SLOTS`. */
export const CGROUP_SLOTS = EBPFC_OOMKILL_CG_SLOTS;

/** `enum ebpfc_oomkill_flag`. */
export const FLAG = { self: OomkillFlag.self, tracepointComm: OomkillFlag.tpComm } as const;

const V = OomkillVictimLayout.fields;

/** `struct ebpfc_oomkill_victim`: offsets and size in bytes. */
export const VICTIM = {
  kills: V.kills.offset,
  cgroup: V.cgroup.offset,
  ppid: V.ppid.offset,
  flags: V.flags.offset,
  comm: V.comm.offset,
  commLength: V.comm.size,
  size: OomkillVictimLayout.size,
} as const;

/** `EBPFC_OOMKILL_VICTIMS`. */
export const VICTIM_ENTRIES = EBPFC_OOMKILL_VICTIMS;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = {
  stats: 'tbl_oomkill_stats',
  victims: 'tbl_oomkill',
} as const satisfies Record<string, MapName>;

/** The program, used in every attach mode. */
export const PROGRAM = 'tracepoint_oom_mark_victim' satisfies ProgramName;

/** The tracepoint it attaches to. */
export const TRACEPOINT = { category: 'oom', event: 'mark_victim' } as const;
