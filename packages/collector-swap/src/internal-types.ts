/**
 * Numbers and names shared with bpf/swap.bpf.c and bpf/swap.h: lanes, map
 * and program names come from src/generated/swap.ts, which the build
 * generates from the header and the object. Not exported from the package.
 */
import { EBPFC_SWAP_PID_LANES, SwapCounter, type MapName, type ProgramName } from './generated/swap.js';

/** Lanes of the `tbl_swap` entry and of a `tbl_swap_pid` value (`enum ebpfc_swap_counter`). */
export const COUNTER = SwapCounter;

/** `EBPFC_SWAP_COUNTERS` (= `EBPFC_SWAP_PID_LANES`). */
export const PID_LANES = EBPFC_SWAP_PID_LANES;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = { totals: 'tbl_swap', pids: 'tbl_swap_pid' } as const satisfies Record<string, MapName>;

/**
 * Functions hooked for reads and writes, newest name first: the first one
 * the kernel has wins (`swap_read_folio` from 6.10; `swap_writeout` from 6.16).
 */
export const SWAP_FUNCTIONS = {
  read: ['swap_read_folio', 'swap_readpage'],
  write: ['swap_writeout', 'swap_writepage'],
} as const;

export function swapProgram(family: 'trampoline' | 'probe', op: 'read' | 'write'): ProgramName {
  return `${family}_${op}`;
}
