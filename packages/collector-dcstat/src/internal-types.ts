/**
 * The TypeScript mirror of bpf/dcstat.h and the program names of
 * bpf/dcstat.bpf.c. Not exported from the package.
 */

/** Lanes of the `tbl_dcstat` entry and of a `tbl_dcstat_pid` value (`enum ebpfc_dcstat_counter`). */
export const COUNTER = {
  reference: 0,
  slow: 1,
  miss: 2,
} as const;

/** `EBPFC_DCSTAT_COUNTERS` (= `EBPFC_DCSTAT_PID_LANES`). */
export const COUNTER_LANES = 3;
export const PID_LANES = 3;

/** Map names in the object. */
export const MAP = {
  totals: 'tbl_dcstat',
  pids: 'tbl_dcstat_pid',
} as const;

/** The two hooked functions. */
export const FN = {
  reference: 'lookup_fast',
  slow: 'd_lookup',
} as const;

/** Programs of each family. */
export const PROGRAM = {
  trampoline: { reference: 'trampoline_lookup_fast', slow: 'trampoline_d_lookup_ret' },
  probe: { reference: 'probe_lookup_fast', slow: 'probe_d_lookup_ret' },
} as const;
