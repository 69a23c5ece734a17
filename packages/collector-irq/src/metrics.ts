/**
 * Chart ids, titles, units, families, contexts, priorities and dimensions of
 * the hardirq and softirq collectors, as Netdata 1.37.1's threads declare
 * them (netdata-reference §1.19, §1.20). Deliberate differences are marked
 * and explained in the package README.
 */
import type { ChartType } from '@ebpf-collectors/core';

/** Netdata module (and thread) names: the `module` field of the charts. */
export const HARDIRQ_MODULE = 'hardirq';
export const SOFTIRQ_MODULE = 'softirq';

/** A chart of fixed identity (dimensions are built separately). */
export interface LatencyChartSpec {
  readonly type: string;
  readonly id: string;
  readonly title: string;
  readonly units: string;
  readonly family: string;
  readonly context: string;
  readonly chartType: ChartType;
  readonly priority: number;
}

/** `system.hardirq_latency`. */
export const HARDIRQ_CHART: LatencyChartSpec = {
  type: 'system',
  id: 'hardirq_latency',
  title: 'Hardware IRQ latency',
  units: 'milliseconds',
  family: 'interrupts',
  context: 'system.hardirq_latency',
  chartType: 'stacked',
  priority: 2900,
};

/** `system.softirq_latency`. */
export const SOFTIRQ_CHART: LatencyChartSpec = {
  type: 'system',
  id: 'softirq_latency',
  title: 'Software IRQ latency',
  units: 'milliseconds',
  family: 'softirqs',
  context: 'system.softirq_latency',
  chartType: 'stacked',
  priority: 951,
};

/**
 * Values are cumulative microseconds; the divisor makes the agent draw
 * milliseconds per second without losing sub-millisecond time (Netdata
 * 1.37.1 sends whole milliseconds, truncated per CPU).
 */
export const LATENCY_DIVISOR = 1000;

/**
 * The static dimensions of `system.hardirq_latency` (x86 system vectors),
 * in Netdata's order and slot order of `enum ebpfc_hardirq_vector`.
 */
export const HARDIRQ_VECTOR_DIMENSIONS = [
  'apic_thermal',
  'apic_threshold',
  'apic_error',
  'apic_deferred_error',
  'apic_spurious',
  'func_call',
  'func_call_single',
  'reschedule',
  'local_timer',
  'irq_work',
  'x86_platform_ipi',
] as const;

/** The dimensions of `system.softirq_latency`, in kernel vector order (`enum` in include/linux/interrupt.h). */
export const SOFTIRQ_DIMENSIONS = [
  'HI',
  'TIMER',
  'NET_TX',
  'NET_RX',
  'BLOCK',
  'IRQ_POLL',
  'TASKLET',
  'SCHED',
  'HRTIMER',
  'RCU',
] as const;

/** A softirq dimension id. */
export type SoftirqDimension = (typeof SOFTIRQ_DIMENSIONS)[number];
/** A static hardirq dimension id. */
export type HardirqVectorDimension = (typeof HARDIRQ_VECTOR_DIMENSIONS)[number];
