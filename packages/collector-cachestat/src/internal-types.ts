/**
 * Numbers and names shared with bpf/cachestat.bpf.c and bpf/cachestat.h:
 * lanes and map names come from src/generated/cachestat.ts, which the build
 * generates from the header and the object. Not exported from the package.
 */
import { CachestatCounter, EBPFC_CACHESTAT_COUNTERS, EBPFC_CACHESTAT_PID_LANES, type MapName } from './generated/cachestat.js';

/** Lanes of the `tbl_cachestat` entry and of a `tbl_cachestat_pid` value (`enum ebpfc_cachestat_counter`), Netdata's order. */
export const COUNTER = CachestatCounter;

/** `EBPFC_CACHESTAT_COUNTERS` (= `EBPFC_CACHESTAT_PID_LANES`). */
export const COUNTER_LANES = EBPFC_CACHESTAT_COUNTERS;
export const PID_LANES = EBPFC_CACHESTAT_PID_LANES;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = {
  totals: 'tbl_cachestat',
  pids: 'tbl_cachestat_pid',
} as const satisfies Record<string, MapName>;

/** The four events and the programs counting them. */
export type CachestatEvent = 'add' | 'access' | 'dirtied' | 'buffer_dirty';

/**
 * Kernel functions of each event in trampoline and probe modes, newest name
 * first: the first one the kernel has is hooked. Folio names came with 5.16-5.18;
 * `__set_page_dirty` is 5.15's dirty accounting.
 */
export const EVENT_FUNCTIONS: Readonly<Record<CachestatEvent, ReadonlyArray<string>>> = {
  add: ['filemap_add_folio', 'add_to_page_cache_lru'],
  access: ['folio_mark_accessed', 'mark_page_accessed'],
  dirtied: ['__folio_mark_dirty', '__set_page_dirty', 'account_page_dirtied'],
  buffer_dirty: ['mark_buffer_dirty'],
};

/**
 * The tracepoint inside the function of each event, where one exists. No
 * tracepoint marks a page accessed.
 */
export const EVENT_TRACEPOINTS: Readonly<Partial<Record<CachestatEvent, { category: string; event: string }>>> = {
  add: { category: 'filemap', event: 'mm_filemap_add_to_page_cache' },
  dirtied: { category: 'writeback', event: 'writeback_dirty_folio' },
  buffer_dirty: { category: 'block', event: 'block_dirty_buffer' },
};

/** Program of an event in a family. */
export function eventProgram(family: 'trampoline' | 'probe' | 'tracepoint', event: CachestatEvent): string {
  return `${family}_${event}`;
}
