/**
 * The TypeScript mirror of bpf/swap.h and the program names of
 * bpf/swap.bpf.c. Not exported from the package.
 */

/** Lanes of the `tbl_swap` entry and of a `tbl_swap_pid` value (`enum ebpfc_swap_counter`). */
export const COUNTER = { read: 0, write: 1 } as const;

/** `EBPFC_SWAP_COUNTERS` (= `EBPFC_SWAP_PID_LANES`). */
export const PID_LANES = 2;

export const MAP = { totals: 'tbl_swap', pids: 'tbl_swap_pid' } as const;

/**
 * Functions hooked for reads and writes, newest name first: the first one
 * the kernel has wins (`swap_read_folio` from 6.10; `swap_writeout` from 6.16).
 */
export const SWAP_FUNCTIONS = {
  read: ['swap_read_folio', 'swap_readpage'],
  write: ['swap_writeout', 'swap_writepage'],
} as const;

export function swapProgram(family: 'trampoline' | 'probe', op: 'read' | 'write'): string {
  return `${family}_${op}`;
}
