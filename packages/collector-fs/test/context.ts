/**
 * Building a real CollectorContext for tests: the configuration a Netdata
 * user would have, the real PID table and accumulators from core, and the
 * checks that nothing of ours stays loaded.
 */
import type { CollectorConfig, ConfigSection } from '@ebpf-collectors/core';
import { collectorConfig as baseConfig, loadedProgramsWhere, mapsNamed, programsLeftWhere } from '@ebpf-collectors/test-utils';

/** A `[global]` as a user's `<module>.conf` would resolve it, with overrides. */
export const collectorConfig = (module: string, overrides: Partial<CollectorConfig> = {}): CollectorConfig =>
  baseConfig(module, { btfPath: '/sys/kernel/btf/', ...overrides });

/** A config section as the ini loader would give it. */
export function section(name: string, entries: Record<string, string>): ConfigSection {
  return {
    name,
    file: 'test.conf',
    line: 1,
    entries: new Map(Object.entries(entries).map(([key, value], i) => [key, { key, value, file: 'test.conf', line: i + 2 }])),
  };
}

export { memoryLogger, testContext } from '@ebpf-collectors/test-utils';

/** Maps only one collector's object creates, so programs of the other collector or of other work on this machine do not count. */
export const OBJECT_MAPS = {
  fd: ['tbl_fd_global', 'tbl_fd_pid'],
  filesystem: ['tbl_fs_hist', 'tmp_fs_start', 'tbl_fs_watch'],
} as const;

/** Ids and names of the loaded programs that use one of `maps` (names are cut to 15 characters by the kernel). */
export function ourPrograms(maps: ReadonlyArray<string>): string[] {
  const ours = new Set(mapsNamed(maps).map((m) => m.id));
  return loadedProgramsWhere((p) => (p.map_ids ?? []).some((id) => ours.has(id)));
}

/**
 * Our programs still loaded after `settleMs`: closing a link frees its
 * program after an RCU grace period, so a program can outlive its fd briefly.
 */
export async function programsLeft(maps: ReadonlyArray<string>, settleMs = 3000): Promise<string[]> {
  const ours = new Set(mapsNamed(maps).map((m) => m.id));
  return programsLeftWhere((p) => (p.map_ids ?? []).some((id) => ours.has(id)), settleMs);
}

export { chartTotal, chartValue, mapsNamed } from '@ebpf-collectors/test-utils';
