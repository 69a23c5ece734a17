/**
 * Building a real CollectorContext for tests: the configuration a Netdata
 * user would have, the real PID table and accumulators from core.
 */
import type { CollectorConfig, ConfigSection } from '@ebpf-collectors/core';
import { parseIni } from '@ebpf-collectors/core';
import { collectorConfig } from '@ebpf-collectors/test-utils';

/** A `[global]` as a user's network.conf would resolve it, with overrides. */
export const socketConfig = (overrides: Partial<CollectorConfig> = {}): CollectorConfig =>
  collectorConfig('socket', { btfPath: '/sys/kernel/btf/', ...overrides });

/** Sections of an ini text, as `CollectorConfig.sections` holds them. */
export function sectionsOf(text: string, file = '/etc/netdata/ebpf.d/network.conf'): ReadonlyMap<string, ConfigSection> {
  const doc = parseIni(text, file);
  if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
  return doc.sections;
}

export { memoryLogger, testContext } from '@ebpf-collectors/test-utils';
