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

/** A program as `bpftool prog list` reports it. */
export interface LoadedProgram {
  readonly id: number;
  /** Cut to 15 characters by the kernel. */
  readonly name?: string;
  readonly map_ids?: ReadonlyArray<number>;
}

/** Loaded programs that pass `ours`, as `id:name`. */
export function loadedProgramsWhere(ours: (program: LoadedProgram) => boolean): string[] {
  return bpftoolJson<LoadedProgram[]>(['prog', 'list'])
    .filter(ours)
    .map((p) => `${p.id}:${p.name ?? '?'}`);
}

/** Programs passing `ours` still loaded after `settleMs` (a closed program is freed after an RCU grace period). */
export async function programsLeftWhere(ours: (program: LoadedProgram) => boolean, settleMs = 3000): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  let left = loadedProgramsWhere(ours);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = loadedProgramsWhere(ours);
  }
  return left;
}

const byName = (ours: (name: string) => boolean) => (p: LoadedProgram) => p.name !== undefined && ours(p.name);

/** Loaded programs whose name passes `ours`, as `id:name`. */
export function loadedPrograms(ours: (name: string) => boolean): string[] {
  return loadedProgramsWhere(byName(ours));
}

/** Programs of ours still loaded after `settleMs` (a closed program is freed after an RCU grace period). */
export async function programsLeft(ours: (name: string) => boolean, settleMs = 3000): Promise<string[]> {
  return programsLeftWhere(byName(ours), settleMs);
}

/** Loaded maps with this name (or one of these names). */
export function mapsNamed(names: string | ReadonlyArray<string>): Array<{ id: number; name: string; type: string; max_entries: number }> {
  const wanted = typeof names === 'string' ? [names] : names;
  return bpftoolJson<Array<{ id: number; name?: string; type: string; max_entries: number }>>(['map', 'list'])
    .filter((m) => m.name !== undefined && wanted.includes(m.name))
    .map((m) => ({ id: m.id, name: m.name!, type: m.type, max_entries: m.max_entries }));
}

/** A dimension's value in a frame, or `undefined`. */
export function chartValue(frame: CollectorFrame, key: string, dimension: string): bigint | undefined {
  return frame.charts.find((c) => chartKey(c.chart) === key)?.values.get(dimension);
}

/** A chart's definition in a frame, or `undefined`. */
export function chartOf(frame: CollectorFrame, key: string): ChartDefinition | undefined {
  return frame.charts.find((c) => chartKey(c.chart) === key)?.chart;
}

/** Sum of every dimension of a chart in a frame (a histogram's total). */
export function chartTotal(frame: CollectorFrame, key: string): bigint {
  const chart = frame.charts.find((c) => chartKey(c.chart) === key);
  if (chart === undefined) throw new Error(`${key} is not in the frame (have ${frame.charts.map((c) => chartKey(c.chart)).join(', ')})`);
  let sum = 0n;
  for (const value of chart.values.values()) sum += value;
  return sum;
}
