/** Program kinds from section names, and map kinds <-> kernel map type numbers. */
import type { MapKind, ProgramKind } from './types.js';

const SECTION_KINDS: ReadonlyMap<string, ProgramKind> = new Map<string, ProgramKind>([
  ['tracepoint', 'tracepoint'],
  ['tp', 'tracepoint'],
  ['raw_tracepoint', 'raw_tracepoint'],
  ['raw_tp', 'raw_tracepoint'],
  ['raw_tracepoint.w', 'raw_tracepoint'],
  ['raw_tp.w', 'raw_tracepoint'],
  ['tp_btf', 'tp_btf'],
  ['fentry', 'fentry'],
  ['fentry.s', 'fentry'],
  ['fexit', 'fexit'],
  ['fexit.s', 'fexit'],
  ['kprobe', 'kprobe'],
  ['kretprobe', 'kretprobe'],
  ['ksyscall', 'ksyscall'],
  ['kretsyscall', 'kretsyscall'],
  ['iter', 'iter'],
  ['iter.s', 'iter'],
]);

/** The kind libbpf infers from an ELF section name (`tracepoint/sched/sched_process_fork` -> `tracepoint`). */
export function programKindOf(sectionName: string): ProgramKind {
  const slash = sectionName.indexOf('/');
  const prefix = slash < 0 ? sectionName : sectionName.slice(0, slash);
  return SECTION_KINDS.get(prefix) ?? 'other';
}

/** What follows the first `/` of a section name (the attach target), or '' when none. */
export function sectionTarget(sectionName: string): string {
  const slash = sectionName.indexOf('/');
  return slash < 0 ? '' : sectionName.slice(slash + 1);
}

/** enum bpf_map_type values (include/uapi/linux/bpf.h). */
const MAP_TYPES: Readonly<Record<Exclude<MapKind, 'other'>, number>> = {
  hash: 1,
  array: 2,
  perf_event_array: 4,
  percpu_hash: 5,
  percpu_array: 6,
  lru_hash: 9,
  lru_percpu_hash: 10,
  ringbuf: 27,
};

const MAP_KINDS: ReadonlyMap<number, MapKind> = new Map(
  Object.entries(MAP_TYPES).map(([kind, type]) => [type, kind as MapKind] as const),
);

export function mapKindOf(type: number): MapKind {
  return MAP_KINDS.get(type) ?? 'other';
}

/** The kernel type number of a map kind; undefined for `other`. */
export function mapTypeOf(kind: MapKind): number | undefined {
  return kind === 'other' ? undefined : MAP_TYPES[kind];
}

export const MAP_KIND_NAMES: readonly MapKind[] = [...Object.keys(MAP_TYPES), 'other'] as MapKind[];
