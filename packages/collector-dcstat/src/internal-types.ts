/**
 * Numbers and names shared with bpf/dcstat.bpf.c and bpf/dcstat.h: lanes,
 * map and program names come from src/generated/dcstat.ts, which the build
 * generates from the header and the object. Not exported from the package.
 */
import { DcstatCounter, EBPFC_DCSTAT_COUNTERS, EBPFC_DCSTAT_PID_LANES, type MapName, type ProgramName } from './generated/dcstat.js';

/** Lanes of the `tbl_dcstat` entry and of a `tbl_dcstat_pid` value (`enum ebpfc_dcstat_counter`). */
export const COUNTER = DcstatCounter;

/** `EBPFC_DCSTAT_COUNTERS` (= `EBPFC_DCSTAT_PID_LANES`). */
export const COUNTER_LANES = EBPFC_DCSTAT_COUNTERS;
export const PID_LANES = EBPFC_DCSTAT_PID_LANES;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = {
  totals: 'tbl_dcstat',
  pids: 'tbl_dcstat_pid',
} as const satisfies Record<string, MapName>;

/** The two hooked functions. */
export const FN = {
  reference: 'lookup_fast',
  slow: 'd_lookup',
} as const;

/** Programs of each family (checked against the object). */
export const PROGRAM = {
  trampoline: { reference: 'trampoline_lookup_fast', slow: 'trampoline_d_lookup_ret' },
  probe: { reference: 'probe_lookup_fast', slow: 'probe_d_lookup_ret' },
} as const satisfies Record<string, Record<keyof typeof FN, ProgramName>>;
