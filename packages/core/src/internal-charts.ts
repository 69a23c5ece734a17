/**
 * The plugin's own charts (`netdata.ebpf_*`): how many collectors were asked
 * for and how many run, how they were loaded, and what their BPF maps cost
 * the kernel. Netdata's process thread sends the first two (reference §1.6;
 * `NETDATA_INTERNALS_MONITORING=NO` turns them off); its later releases add
 * the kernel-memory and hash-table charts, kept here with their ids.
 */
import type { BpfMap } from '@ebpf-collectors/loader-native';
import type { ChartDefinition, ChartValues, CollectorConfig, CollectorFrame, CollectorInstance } from './types.js';

/** Chart type, family and module of the internal charts. */
export const INTERNAL_CHART_TYPE = 'netdata';
export const INTERNAL_FAMILY = 'ebpf';
export const INTERNAL_MODULE = 'process';

/** Map kinds counted as hash tables. */
const HASH_KINDS: ReadonlySet<string> = new Set(['hash', 'percpu_hash', 'lru_hash', 'lru_percpu_hash']);

/** What one tick of the internal charts is computed from. */
export interface InternalChartsInput {
  /** Collectors the configuration enabled (started or not). */
  readonly enabled: number;
  /** Collectors started, with whether their last collection worked. */
  readonly running: ReadonlyArray<{
    readonly config: Pick<CollectorConfig, 'typeFormat'>;
    readonly instance: Pick<CollectorInstance, 'bpfObjects'>;
    readonly healthy: boolean;
  }>;
  /** The PID table at its last scan: `dropped` processes were left out because it was full. */
  readonly pidTable?: { readonly tracked: number; readonly dropped: number };
}

function chart(
  id: string,
  title: string,
  units: string,
  priority: number,
  updateEvery: number,
  dimensions: ReadonlyArray<string>,
): ChartDefinition {
  return {
    type: INTERNAL_CHART_TYPE,
    id,
    title,
    units,
    family: INTERNAL_FAMILY,
    context: '',
    chartType: 'line',
    priority,
    updateEvery,
    module: INTERNAL_MODULE,
    dimensions: dimensions.map((d) => ({ id: d, algorithm: 'absolute' })),
  };
}

/** Builds the internal charts' frames; map memory is read once per map (it does not change once loaded). */
export class InternalCharts {
  readonly #charts: {
    threads: ChartDefinition;
    loadMethods: ChartDefinition;
    kernelMemory: ChartDefinition;
    hashTables: ChartDefinition;
    pidTable: ChartDefinition;
  };
  readonly #memlock = new WeakMap<BpfMap, number>();

  /** @param updateEvery seconds between two frames (the global `update every`) */
  constructor(readonly updateEvery: number) {
    this.#charts = {
      threads: chart('ebpf_threads', 'Threads info.', 'threads', 140000, updateEvery, ['total', 'running']),
      loadMethods: chart('ebpf_load_methods', 'Load info.', 'methods', 140001, updateEvery, ['legacy', 'co-re']),
      kernelMemory: chart('ebpf_kernel_memory', 'Memory allocated for BPF maps.', 'bytes', 140002, updateEvery, ['memory_locked']),
      hashTables: chart('ebpf_hash_tables_count', 'Number of hash tables loaded.', 'hash tables', 140003, updateEvery, ['hash_table']),
      // Ours (Netdata has no such chart): a full table ("pid table size") puts processes in "other".
      pidTable: chart('ebpf_pid_table', 'Processes in the PID table, and left out because it is full.', 'processes', 140004, updateEvery, ['tracked', 'not_tracked']),
    };
  }

  /** Definitions of the charts, for outputs that declare charts up front. */
  charts(): ChartDefinition[] {
    return Object.values(this.#charts);
  }

  #memoryOf(map: BpfMap): number {
    let bytes = this.#memlock.get(map);
    if (bytes === undefined) {
      try {
        bytes = map.memlock();
      } catch {
        // A map closed under us counts as nothing; it is not cached, so a reopened one is read.
        return 0;
      }
      this.#memlock.set(map, bytes);
    }
    return bytes;
  }

  /** The frame of one tick. */
  frame(input: InternalChartsInput): CollectorFrame {
    let memory = 0;
    let hashTables = 0;
    let legacy = 0;
    for (const entry of input.running) {
      if (entry.config.typeFormat === 'legacy') legacy++;
      for (const object of entry.instance.bpfObjects?.() ?? []) {
        for (const map of object.maps.values()) {
          memory += this.#memoryOf(map);
          if (HASH_KINDS.has(map.kind)) hashTables++;
        }
      }
    }
    const values = (c: ChartDefinition, v: ReadonlyArray<number>): ChartValues => ({
      chart: c,
      values: new Map(c.dimensions.map((d, i) => [d.id, BigInt(v[i] ?? 0)])),
    });
    const c = this.#charts;
    return {
      charts: [
        values(c.threads, [input.enabled, input.running.filter((r) => r.healthy).length]),
        values(c.loadMethods, [legacy, input.running.length - legacy]),
        values(c.kernelMemory, [memory]),
        values(c.hashTables, [hashTables]),
        ...(input.pidTable ? [values(c.pidTable, [input.pidTable.tracked, input.pidTable.dropped])] : []),
      ],
    };
  }
}
