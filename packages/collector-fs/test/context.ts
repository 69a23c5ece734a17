/**
 * Building a real CollectorContext for tests: the configuration a Netdata
 * user would have, the real PID table and accumulators from core, and the
 * checks that nothing of ours stays loaded.
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CollectorConfig, CollectorFrame, ConfigSection } from '@ebpf-collectors/core';
import { chartKey } from '@ebpf-collectors/core';
import { collectorConfig as baseConfig } from '@ebpf-collectors/test-utils';

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
  const result = spawnSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bpftool prog list failed: ${result.stderr}`);
  const progs = JSON.parse(result.stdout) as Array<{ id: number; name?: string; map_ids?: number[] }>;
  const ours = new Set(mapsNamed(maps).map((m) => m.id));
  return progs
    .filter((p) => (p.map_ids ?? []).some((id) => ours.has(id)))
    .map((p) => `${p.id}:${p.name ?? '?'}`);
}

/** Maps with one of `names`, as the kernel reports them. */
export function mapsNamed(names: ReadonlyArray<string>): Array<{ id: number; name: string; type: string; max_entries: number }> {
  const result = spawnSync('bpftool', ['-j', 'map', 'list'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bpftool map list failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as Array<{ id: number; name?: string; type: string; max_entries: number }>)
    .filter((m) => m.name !== undefined && names.includes(m.name))
    .map((m) => ({ id: m.id, name: m.name!, type: m.type, max_entries: m.max_entries }));
}

/**
 * Our programs still loaded after `settleMs`: closing a link frees its
 * program after an RCU grace period, so a program can outlive its fd briefly.
 */
export async function programsLeft(maps: ReadonlyArray<string>, settleMs = 3000): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  let left = ourPrograms(maps);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = ourPrograms(maps);
  }
  return left;
}

/** A dimension's value in a frame. */
export function chartValue(frame: CollectorFrame, key: string, dimension: string): bigint | undefined {
  return frame.charts.find((c) => chartKey(c.chart) === key)?.values.get(dimension);
}

/** Sum of every dimension of a chart in a frame (a histogram's total). */
export function chartTotal(frame: CollectorFrame, key: string): bigint {
  const chart = frame.charts.find((c) => chartKey(c.chart) === key);
  if (chart === undefined) throw new Error(`${key} is not in the frame (have ${frame.charts.map((c) => chartKey(c.chart)).join(', ')})`);
  let sum = 0n;
  for (const value of chart.values.values()) sum += value;
  return sum;
}
