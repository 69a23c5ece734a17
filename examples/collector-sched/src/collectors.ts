import type { CollectorDefinition } from '@ebpf-collectors/core';
import { schedCollector } from './collector.js';

/** What `ebpf.plugin` loads from this package: every collector it defines. */
export const collectors: ReadonlyArray<CollectorDefinition> = [schedCollector];
