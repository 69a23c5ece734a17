/**
 * The disk chart table: one `disk_latency_io.<disk>` histogram chart per
 * disk that had requests, obsoleted when the disk leaves /proc/partitions.
 */
import type { ChartDefinition, ChartValues, CollectorFrame } from '@ebpf-collectors/core';
import { BIN_KEY } from './internal-types.js';
import { HIST_BINS, histogramDimensionNames, histogramUpperBoundsSeconds } from './histogram.js';
import { CHART_TYPE_ID, CONTEXT, MODULE, PRIORITY, TITLE, UNITS } from './metrics.js';

const DIMENSIONS = histogramDimensionNames();
const UPPER_BOUNDS = histogramUpperBoundsSeconds();

/** The chart of one disk. */
export function diskChartDefinition(disk: string, updateEvery: number): ChartDefinition {
  return {
    type: CHART_TYPE_ID,
    id: disk,
    title: TITLE,
    units: UNITS,
    family: disk,
    context: CONTEXT,
    chartType: 'stacked',
    priority: PRIORITY,
    updateEvery,
    module: MODULE,
    dimensions: DIMENSIONS.map((id) => ({ id, algorithm: 'incremental' })),
    histogram: { upperBoundsSeconds: UPPER_BOUNDS },
  };
}

/**
 * Per-disk cumulative bin counts from a `tbl_disk_iocall` dump (per-CPU
 * values already summed): `count` keys of {dev u32, bin u32}, u64 values.
 */
export function decodeBins(count: number, keys: Buffer, values: Buffer): Map<number, bigint[]> {
  if (keys.length < count * BIN_KEY.size || values.length < count * 8) {
    throw new RangeError(`tbl_disk_iocall: ${count} entries need ${count * BIN_KEY.size} key and ${count * 8} value bytes`);
  }
  const out = new Map<number, bigint[]>();
  for (let i = 0; i < count; i++) {
    const dev = keys.readUInt32LE(i * BIN_KEY.size + BIN_KEY.dev);
    const bin = keys.readUInt32LE(i * BIN_KEY.size + BIN_KEY.bin);
    if (bin >= HIST_BINS) continue;
    let bins = out.get(dev);
    if (bins === undefined) {
      bins = new Array<bigint>(HIST_BINS).fill(0n);
      out.set(dev, bins);
    }
    bins[bin] = values.readBigUInt64LE(i * 8);
  }
  return out;
}

/** A frame and the disks whose kernel counts should be forgotten. */
export interface DiskTick {
  readonly frame: CollectorFrame;
  /** dev_t of disks that went away: their entries in the kernel table can be deleted. */
  readonly gone: ReadonlyArray<number>;
}

/**
 * Charts disks tick after tick. A disk gets its chart at its first request
 * (as in Netdata, idle disks have none) while /proc/partitions lists it
 * under the same device number; when it no longer does, the chart is
 * obsoleted once and the disk's counts are dropped, so a device that comes
 * back (a loop device attached again) starts a new chart.
 */
export class DiskCharts {
  readonly #updateEvery: number;
  /** Charted disk name -> its dev_t and definition. */
  readonly #charted = new Map<string, { dev: number; definition: ChartDefinition }>();

  constructor(updateEvery: number) {
    this.#updateEvery = updateEvery;
  }

  /** Definitions of the charts emitted now. */
  charts(): ChartDefinition[] {
    return [...this.#charted.values()].map((c) => c.definition);
  }

  /**
   * The frame of one tick.
   *
   * @param disks - cumulative bin counts per dev_t
   * @param names - dev_t -> name from /proc/partitions now
   */
  frame(disks: ReadonlyMap<number, ReadonlyArray<bigint>>, names: ReadonlyMap<number, string>): DiskTick {
    const obsolete: string[] = [];
    const gone: number[] = [];
    for (const [name, { dev }] of this.#charted) {
      if (names.get(dev) === name) continue;
      obsolete.push(`${CHART_TYPE_ID}.${name}`);
      this.#charted.delete(name);
      gone.push(dev);
    }
    // Counts of devices no longer listed, charted or not, are forgotten too.
    for (const dev of disks.keys()) if (!names.has(dev) && !gone.includes(dev)) gone.push(dev);
    const charts: ChartValues[] = [];
    const ordered = [...disks].filter(([dev]) => names.has(dev)).sort(([a], [b]) => names.get(a)!.localeCompare(names.get(b)!));
    for (const [dev, bins] of ordered) {
      const name = names.get(dev)!;
      let entry = this.#charted.get(name);
      if (entry === undefined) {
        entry = { dev, definition: diskChartDefinition(name, this.#updateEvery) };
        this.#charted.set(name, entry);
      }
      charts.push({ chart: entry.definition, values: new Map(DIMENSIONS.map((id, bin) => [id, bins[bin] ?? 0n])) });
    }
    return { frame: obsolete.length > 0 ? { charts, obsolete } : { charts }, gone };
  }
}
