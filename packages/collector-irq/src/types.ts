/**
 * Public types of the irq collectors.
 */

/** Cumulative totals of one latency slot, summed over CPUs. */
export interface LatencyTotals {
  /** Nanoseconds spent between entry and exit since the object was loaded. */
  readonly latencyNs: bigint;
  /** Completed entry/exit pairs since the object was loaded. */
  readonly count: bigint;
}

/** What the hardirq collector read from the kernel in one tick. */
export interface HardirqReading {
  /** IRQ lines that ran a handler since load: IRQ number -> totals. */
  readonly lines: ReadonlyMap<number, LatencyTotals>;
  /** System vectors in `system.hardirq_latency` static-dimension order (11 slots). */
  readonly vectors: ReadonlyArray<LatencyTotals>;
}

/** What the softirq collector read from the kernel in one tick. */
export interface SoftirqReading {
  /** One slot per softirq vector, in kernel order (HI ... RCU). */
  readonly vectors: ReadonlyArray<LatencyTotals>;
}

/** Options of {@link createHardirqCollector}. */
export interface HardirqCollectorOptions {
  /** Path of `hardirq.bpf.o`. Default: the object shipped in this package. */
  objectPath?: string;
  /** Where the IRQ handler names are read. Default `/proc/interrupts`. */
  interruptsPath?: string;
  /**
   * Re-read the names every this many ticks even when no unknown line fired,
   * to follow IRQ numbers handed to another device. Default 60.
   */
  nameRefreshTicks?: number;
  /** Receives what each `collect()` read, before it becomes chart values (fixtures, debugging). */
  onRead?: (reading: HardirqReading) => void;
}

/** Options of {@link createSoftirqCollector}. */
export interface SoftirqCollectorOptions {
  /** Path of `softirq.bpf.o`. Default: the object shipped in this package. */
  objectPath?: string;
  /** Receives what each `collect()` read, before it becomes chart values. */
  onRead?: (reading: SoftirqReading) => void;
}
