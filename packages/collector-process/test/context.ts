/** A real CollectorContext for the process collector's tests (see test-utils). */
import { collectorConfig } from '@ebpf-collectors/test-utils';
import type { CollectorConfig } from '@ebpf-collectors/core';

export { memoryLogger, testContext } from '@ebpf-collectors/test-utils';

/** A `[global]` as a user's process.conf would resolve it, with overrides. */
export const processConfig = (overrides: Partial<CollectorConfig> = {}): CollectorConfig => collectorConfig('process', overrides);
