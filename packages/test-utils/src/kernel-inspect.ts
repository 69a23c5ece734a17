/**
 * What is loaded in the kernel, as bpftool reports it, and chart lookups:
 * the checks every collector's kernel tests make (nothing of ours left
 * attached, map sizes as configured, a chart dimension's value).
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { chartKey } from '@ebpf-collectors/core';
import type { ChartDefinition, CollectorFrame } from '@ebpf-collectors/core';

function bpftoolJson<T>(args: string[]): T {
  const result = spawnSync('bpftool', ['-j', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bpftool ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Loaded programs whose name passes `ours`, as `id:name`. */
export function loadedPrograms(ours: (name: string) => boolean): string[] {
  return bpftoolJson<Array<{ id: number; name?: string }>>(['prog', 'list'])
    .filter((p) => p.name !== undefined && ours(p.name))
    .map((p) => `${p.id}:${p.name}`);
}

/** Programs of ours still loaded after `settleMs` (a closed program is freed after an RCU grace period). */
export async function programsLeft(ours: (name: string) => boolean, settleMs = 3000): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  let left = loadedPrograms(ours);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = loadedPrograms(ours);
  }
  return left;
}

/** Loaded maps with this name. */
export function mapsNamed(name: string): Array<{ type: string; max_entries: number }> {
  return bpftoolJson<Array<{ name?: string; type: string; max_entries: number }>>(['map', 'list']).filter((m) => m.name === name);
}

/** A dimension's value in a frame, or `undefined`. */
export function chartValue(frame: CollectorFrame, key: string, dimension: string): bigint | undefined {
  return frame.charts.find((c) => chartKey(c.chart) === key)?.values.get(dimension);
}

/** A chart's definition in a frame, or `undefined`. */
export function chartOf(frame: CollectorFrame, key: string): ChartDefinition | undefined {
  return frame.charts.find((c) => chartKey(c.chart) === key)?.chart;
}
