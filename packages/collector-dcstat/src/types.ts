/** Public types of the dcstat collector. */
import type { CounterCollectorOptions } from '@ebpf-collectors/core';

/**
 * Options of {@link createDcstatCollector}: `objectPath` (default: the
 * `bpf/dcstat.bpf.o` shipped in this package) and `onRead` (raw lanes:
 * reference, slow, miss; see `bpf/dcstat.h`).
 */
export type DcstatCollectorOptions = CounterCollectorOptions;
