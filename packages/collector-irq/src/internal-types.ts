/**
 * Numbers and names shared with bpf/hardirq.{bpf.c,h}, bpf/softirq.{bpf.c,h}
 * and bpf/include/ebpfc_irq_latency.h: lanes, sizes, maps and globals come
 * from src/generated/{hardirq,softirq}.ts, which the build generates from the
 * headers and the objects. What is left here is the collector's own choice
 * of hooks. Not exported.
 */
import type { AttachMode } from '@ebpf-collectors/core';
import * as hardirq from './generated/hardirq.js';
import * as softirq from './generated/softirq.js';

/** Lanes of `struct ebpfc_irq_latency` (all u64). */
export const LANE = {
  latencyNs: hardirq.IrqLatencyLane.latencyNs,
  count: hardirq.IrqLatencyLane.count,
  /** Entry timestamp of one CPU; meaningless once summed over CPUs. */
  ts: hardirq.IrqLatencyLane.ts,
} as const;

/** `EBPFC_IRQ_LATENCY_LANES`. */
export const LATENCY_LANES = hardirq.EBPFC_IRQ_LATENCY_LANES;

/** `sizeof(struct ebpfc_irq_latency)`. */
export const LATENCY_VALUE_SIZE = hardirq.IrqLatencyLayout.size;

/** Map names of hardirq.bpf.o (checked against its BTF by the compiler). */
export const HARDIRQ_MAP = {
  lines: 'tbl_hardirq',
  spill: 'tbl_hardirq_spill',
  vectors: 'tbl_hardirq_static',
  names: 'tbl_hardirq_name',
} as const satisfies Record<string, hardirq.MapName>;

/** Map names of softirq.bpf.o. */
export const SOFTIRQ_MAP = { vectors: 'tbl_softirq' } as const satisfies Record<string, softirq.MapName>;

/** `const volatile` globals of hardirq.bpf.o. */
export const HARDIRQ_GLOBAL = { capacity: 'ebpfc_hardirq_capacity' } as const satisfies Record<string, hardirq.ConstGlobalName>;

/** `EBPFC_HARDIRQ_DEFAULT_CAPACITY`: the compiled size of tbl_hardirq. */
export const DEFAULT_LINE_CAPACITY = hardirq.EBPFC_HARDIRQ_DEFAULT_CAPACITY;
/** Smallest and largest tbl_hardirq we size from the machine's IRQ numbers. */
export const MIN_LINE_CAPACITY = 256;
export const MAX_LINE_CAPACITY = 65536;

/** `EBPFC_HARDIRQ_NAME_LEN`. */
export const NAME_LEN = hardirq.EBPFC_HARDIRQ_NAME_LEN;

/** `EBPFC_SOFTIRQ_VECTORS`. */
export const SOFTIRQ_VECTORS = softirq.EBPFC_SOFTIRQ_VECTORS;

/** `EBPFC_HARDIRQ_VECTORS`. */
export const HARDIRQ_VECTORS = hardirq.EBPFC_HARDIRQ_VECTORS;

/** The modes with a program family in the objects; `probe` has none (see README). */
export const IMPLEMENTED_MODES: ReadonlyArray<AttachMode> = ['trampoline', 'tracepoint'];

/** Program name prefix of each implemented family. */
export const FAMILY_PREFIX = {
  trampoline: 'trampoline_',
  tracepoint: 'tracepoint_',
} as const;

/** The family of an implemented mode. */
export type ImplementedMode = keyof typeof FAMILY_PREFIX;

/**
 * The system vectors in `enum ebpfc_hardirq_vector` order: the slot, the
 * `irq_vectors` event stem (`<event>_entry`/`<event>_exit`) and whether
 * the object's program names use it (`<family>hardirq_<event>_entry`).
 */
export const HARDIRQ_VECTOR_EVENTS = [
  'thermal_apic',
  'threshold_apic',
  'error_apic',
  'deferred_error_apic',
  'spurious_apic',
  'call_function',
  'call_function_single',
  'reschedule',
  'local_timer',
  'irq_work',
  'x86_platform_ipi',
] as const;

/** An `irq_vectors` event stem. */
export type HardirqVectorEvent = (typeof HARDIRQ_VECTOR_EVENTS)[number];

/** Programs of one hook pair: entry and exit, with the tracepoint they attach to. */
export interface HookPair {
  readonly category: string;
  readonly entryEvent: string;
  readonly exitEvent: string;
  readonly entryProgram: string;
  readonly exitProgram: string;
}

/** The device-IRQ handler hook pair of a family. */
export function hardirqLinePair(mode: ImplementedMode): HookPair {
  return {
    category: 'irq',
    entryEvent: 'irq_handler_entry',
    exitEvent: 'irq_handler_exit',
    entryProgram: `${FAMILY_PREFIX[mode]}hardirq_entry`,
    exitProgram: `${FAMILY_PREFIX[mode]}hardirq_exit`,
  };
}

/** The hook pair of one system vector in a family. */
export function hardirqVectorPair(mode: ImplementedMode, event: HardirqVectorEvent): HookPair {
  return {
    category: 'irq_vectors',
    entryEvent: `${event}_entry`,
    exitEvent: `${event}_exit`,
    entryProgram: `${FAMILY_PREFIX[mode]}hardirq_${event}_entry`,
    exitProgram: `${FAMILY_PREFIX[mode]}hardirq_${event}_exit`,
  };
}

/** The softirq hook pair of a family. */
export function softirqPair(mode: ImplementedMode): HookPair {
  return {
    category: 'irq',
    entryEvent: 'softirq_entry',
    exitEvent: 'softirq_exit',
    entryProgram: `${FAMILY_PREFIX[mode]}softirq_entry`,
    exitProgram: `${FAMILY_PREFIX[mode]}softirq_exit`,
  };
}
