/**
 * The TypeScript mirror of bpf/mdflush.h and the program names of
 * bpf/mdflush.bpf.c. Not exported from the package.
 */

/** `tbl_mdflush`: u32 dev_t -> u64 flushes. */
export const MAP = 'tbl_mdflush';
export const KEY_SIZE = 4;
export const VALUE_SIZE = 8;

/** The hooked function (in md_mod when md is a module). */
export const FUNCTION = 'md_flush_request';

export const PROGRAM = {
  trampoline: 'trampoline_md_flush_request',
  probe: 'probe_md_flush_request',
} as const;

/** Kernel dev_t: 12-bit major above a 20-bit minor. */
export const MINOR_BITS = 20;
