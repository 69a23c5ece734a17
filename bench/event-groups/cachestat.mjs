/**
 * The cachestat group of bench/event-limits.mjs: what the cachestat
 * collector (tracepoint mode, apps on, collect pid = all) adds per page-cache
 * event, against minimal programs doing its accounting on each hook type
 * (bench/bpf/cachestat_limits.bpf.c) and bpftrace counting the same, on
 * 1-byte pwrite(2)s into pages not yet cached (bench/bpf/cachestat_loop.c).
 *
 * In tracepoint mode the collector hooks three tracepoints (no tracepoint
 * marks a page accessed) and counts each hit globally and per tgid; one
 * operation of the workload fires all three, so the ns added are for about
 * 3 events (1 add, 1 dirtied folio, 1.03 dirty buffers, counted with bpftrace).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';

const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;

/** The directory the loop writes its file in: the bench's work directory, or one in /var/tmp when that is tmpfs. */
let dataDir;

const EVENTS = [
  { short: 'add', tracepoint: 'filemap:mm_filemap_add_to_page_cache' },
  { short: 'dirtied', tracepoint: 'writeback:writeback_dirty_folio' },
  { short: 'bufdirty', tracepoint: 'block:block_dirty_buffer' },
];

/** The plugin's per-PID table type (hash or percpu_hash: the minimal programs assume percpu_hash, `maps per core`). */
function pidTableType(pid) {
  try {
    const maps = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    const ours = maps.filter((m) => m.name === 'tbl_cachestat_p' && (!m.pids || m.pids.some((p) => p.pid === pid)));
    return ours.length ? `PID table ${[...new Set(ours.map((m) => m.type))].join(', ')}` : 'PID table not found';
  } catch (err) {
    return `PID table unknown (${err.message})`;
  }
}

export const group = {
  source: 'cachestat_limits',
  loop: 'cachestat_loop',
  workload: 'pagewrite',
  n: 4000,
  unit: 'pwrite',
  what:
    'pwrite(2) of 1 byte into an uncached page of a sparse 1 MiB file on a disk filesystem, the file cut to 0 and back every 256 pages (ext4 delayed allocation: no I/O); ' +
    'about 3 events an operation (bpftrace: 1 mm_filemap_add_to_page_cache, 1 writeback_dirty_folio, 1.03 block_dirty_buffer)',
  accounting:
    'each of the 3 events adds 1 to its lane of a one-entry per-CPU array and of the tgid\'s entry in a per-CPU PID hash (NOEXIST insert, plain add: the kit\'s `maps per core` table)',
  minimal: [
    { hook: 'tracepoint', label: 'tracepoint x3', programs: EVENTS.map((e) => `cs_tp_${e.short}`) },
    { hook: 'raw_tp', label: 'raw_tp x3', programs: EVENTS.map((e) => `cs_raw_${e.short}`) },
    { hook: 'tp_btf', label: 'tp_btf x3', programs: EVENTS.map((e) => `cs_btf_${e.short}`) },
  ],
  plugin: [{ label: 'tracepoint mode (as it ships)' }],
  bpftrace: EVENTS.map((e) => `tracepoint:${e.tracepoint} { @${e.short} = count(); @${e.short}_pid[pid] = count(); }`).join('\n'),
  async setup(work) {
    const type = statfsSync(work).type;
    if (type !== TMPFS_MAGIC && type !== RAMFS_MAGIC) {
      dataDir = work;
      return undefined;
    }
    // tmpfs pages never go through __filemap_add_folio: the add event would not fire there.
    dataDir = mkdtempSync('/var/tmp/ebpfc-cachestat-');
    return async () => rmSync(dataDir, { recursive: true, force: true });
  },
  loopArgs: () => [dataDir],
  check: (plugin) => pidTableType(plugin.pid),
};
