/**
 * Public types of the cachestat collector.
 */
import type { CounterCollectorOptions } from '@ebpf-collectors/core';

/**
 * Options of {@link createCachestatCollector}: `objectPath` (default: the
 * `bpf/cachestat.bpf.o` shipped in this package) and `onRead` (the raw
 * kernel lanes of each tick: add, access, dirtied, buffer dirty, see `bpf/cachestat.h`).
 */
export type CachestatCollectorOptions = CounterCollectorOptions;
