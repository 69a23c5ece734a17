/**
 * Numbers and names shared with bpf/mdflush.bpf.c and bpf/mdflush.h: the map
 * layout and program names come from src/generated/mdflush.ts, which the
 * build generates from the header and the object. Not exported from the package.
 */
import { MAPS, type ProgramName } from './generated/mdflush.js';

/** `tbl_mdflush`: u32 dev_t -> u64 flushes. */
export const MAP = 'tbl_mdflush' satisfies keyof typeof MAPS;
export const KEY_SIZE = MAPS.tbl_mdflush.keySize;
export const VALUE_SIZE = MAPS.tbl_mdflush.valueSize;

/** The hooked function (in md_mod when md is a module). */
export const FUNCTION = 'md_flush_request';

export const PROGRAM = {
  trampoline: 'trampoline_md_flush_request',
  probe: 'probe_md_flush_request',
} as const satisfies Record<string, ProgramName>;

/** Kernel dev_t: 12-bit major above a 20-bit minor. */
export const MINOR_BITS = 20;
