/**
 * Public types of the disk collector.
 */

/** Options of {@link createDiskCollector}. */
export interface DiskCollectorOptions {
  /** Path of the compiled `disk.bpf.o`. Default: the object shipped in this package. */
  objectPath?: string;
  /** Where disk names come from. Default `/proc/partitions`. */
  partitionsPath?: string;
  /** Receives what each `collect()` read from the kernel (for debugging and fixtures). */
  onRead?: (reading: DiskReading) => void;
}

/** One tick's kernel values: cumulative request counts per disk and latency bin. */
export interface DiskReading {
  /** dev_t (major << 20 | minor) -> 24 cumulative bin counts. */
  readonly disks: ReadonlyMap<number, ReadonlyArray<bigint>>;
  /** dev_t -> name, from /proc/partitions at this tick. */
  readonly names: ReadonlyMap<number, string>;
}
