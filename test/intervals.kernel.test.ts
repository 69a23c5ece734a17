/**
 * A plugin that was stopped (SIGSTOP, a stalled machine) must not draw the
 * events of the whole pause as one interval's rate. Each BEGIN carries the
 * microseconds since the chart's previous block, and per-interval amounts
 * (`absolute` dimensions of `/s` charts) of a late interval are scaled to one
 * `update every`; checked on the real plugin's stdout through the strict
 * 1.37 parser, with a fork workload the test runs at a steady pace.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNetdataStream, type ParsedBlock } from '@ebpf-collectors/test-utils';
import { describe, expect, it } from 'vitest';
import { makeConfigDir, startPlugin, waitFor } from './plugin-harness.js';

const PAUSE_MS = 8_000;
const CHART = 'apps.process_create';
const GROUP = 'forker';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function blocksOf(stdout: string): ParsedBlock[] {
  const parsed = parseNetdataStream(stdout);
  expect(parsed.errors).toEqual([]);
  return parsed.values.filter((block) => block.chart === CHART);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('intervals after the plugin was stopped', () => {
  it('a late interval carries its real length and its per-interval amounts are scaled to one second', async () => {
    // A script's comm is its file name. Forks are counted for the forking
    // task's real parent (stock `collect pid`): the loop runs in a subshell
    // of the script, so its sleeps land in the script's own app group.
    const work = mkdtempSync(join(tmpdir(), 'ebpfc-intervals-'));
    const script = join(work, 'ebpfc-forker');
    writeFileSync(script, '#!/bin/sh\n(while :; do sleep 0.02; done)\n');
    chmodSync(script, 0o755);
    const configDir = makeConfigDir({ files: { 'apps_groups.conf': `${GROUP}: ebpfc-forker\n` } });
    const forker = spawn(script, { stdio: 'ignore', detached: true });
    const run = startPlugin(['1', '--config-dir', configDir, '--collectors', 'process']);
    try {
      const value = (block: ParsedBlock) => Number(block.values.get(GROUP) ?? 0n);
      // A few on-time intervals with the group charted.
      await waitFor(() => blocksOf(run.stdout()).slice(2).filter((b) => value(b) > 0).length >= 4, `${CHART} with ${GROUP} forks`, 90_000);
      run.child.kill('SIGSTOP');
      await sleep(PAUSE_MS);
      const before = blocksOf(run.stdout()).length;
      run.child.kill('SIGCONT');
      await waitFor(() => blocksOf(run.stdout()).length >= before + 3, 'three blocks after SIGCONT', 30_000);
      run.child.kill('SIGTERM');
      expect((await run.exited).code, run.stderr()).toBe(0);

      const blocks = blocksOf(run.stdout());
      const late = blocks[before]!;
      // Block 0 sets baselines; block 1 follows the first collection, which
      // comes at once after start, so its interval is a fraction of a second.
      const onTime = blocks.slice(2, before).filter((b) => value(b) > 0);
      // The agent is told how long the pause really was...
      expect(late.microseconds).toBeGreaterThan(PAUSE_MS * 1000 * 0.95);
      expect(late.microseconds).toBeLessThan((PAUSE_MS + 4_000) * 1000);
      // ...every later block carries about one second...
      for (const block of [...onTime, ...blocks.slice(before + 1)]) {
        expect(block.microseconds).toBeGreaterThan(300_000);
        expect(block.microseconds).toBeLessThan(2_000_000);
      }
      // ...and the late value is a one-second rate, not eight seconds of forks in one point.
      const steady = median(onTime.map(value));
      expect(value(late)).toBeGreaterThan(steady * 0.4);
      expect(value(late)).toBeLessThan(steady * 2.5);
    } finally {
      // The script and its subshell: the whole process group.
      if (forker.pid !== undefined) process.kill(-forker.pid, 'SIGKILL');
      run.child.kill('SIGCONT');
      run.child.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
      rmSync(configDir, { recursive: true, force: true });
    }
  }, 150_000);
});
