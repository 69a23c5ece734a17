/**
 * A stop asked for at any moment ends the plugin normally: SIGTERM, SIGINT,
 * SIGPIPE, a closed stdout or `--duration`, whether it comes while the config
 * is read, while collectors load or attach, at the first tick, while running
 * or while the plugin is already shutting down (a second signal). Each of the
 * twenty points below must end with exit 0 (never killed by the signal),
 * within {@link BOUND_MS} of the stop, with no BPF program left in the kernel.
 *
 * Two quick collectors (process: tracepoints, hardirq: trampolines) keep each
 * run short. Node's own bootstrap, before the launcher's first line catches
 * signals, is the one moment not covered (50 ms idle, several hundred on a
 * busy machine): timed points count from when /proc shows the SIGTERM handler.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfigDir, startPlugin, waitFor, type PluginRun } from './plugin-harness.js';

/**
 * Stop to exit: 0.5 s (the goal) plus the detach and one load step in flight
 * (a libbpf load cannot be cut short; process' takes ~0.3 s here), with room
 * for a loaded CI machine.
 */
const BOUND_MS = 2_500;

function programIds(): Set<number> {
  const list = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' })) as Array<{ id: number }>;
  return new Set(list.map((p) => p.id));
}

/**
 * Whether the launcher's first lines ran in `pid`: Node (not the shell before
 * its exec) catching SIGHUP (SigCgt bit 0). Not SIGTERM's bit: Node itself
 * catches SIGTERM and SIGINT from its start, to reset the terminal and die by
 * the same signal.
 */
function launcherCatchesSignals(pid: number): boolean {
  try {
    if (!readlinkSync(`/proc/${pid}/exe`).includes('node')) return false;
    const match = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match !== null && (BigInt(`0x${match[1]}`) & 1n) === 1n;
  } catch {
    return true; // gone: the exit code tells
  }
}

type Trigger =
  /** Milliseconds after the launcher catches signals. */
  | { after: number }
  | { afterStderr: RegExp }
  | { afterStdout: string };

interface Point {
  name: string;
  trigger: Trigger;
  /** What stops it: a signal, closing the plugin's stdout, or nothing (`--duration` does). */
  stop: NodeJS.Signals | 'close-stdout' | 'none';
  /** A second signal once the plugin logged that it is stopping (or right after the first when `immediately`). */
  second?: { signal: NodeJS.Signals; immediately?: boolean };
  args?: string[];
}

const points: Point[] = [
  // Timed from the launcher's first line: module imports, config, the kernel checks, loading and attaching.
  ...[0, 100, 250, 400, 550, 700, 850, 1000, 1200, 1400].map(
    (ms, i): Point => ({ name: `${['SIGTERM', 'SIGINT', 'SIGPIPE'][i % 3]} at ${ms} ms`, trigger: { after: ms }, stop: (['SIGTERM', 'SIGINT', 'SIGPIPE'] as const)[i % 3] }),
  ),
  { name: 'SIGTERM between two collectors (process attached, hardirq loading)', trigger: { afterStderr: /process: running in/ }, stop: 'SIGTERM' },
  { name: 'SIGTERM once every collector is attached, before the first tick', trigger: { afterStderr: /hardirq: running in/ }, stop: 'SIGTERM' },
  { name: 'SIGTERM at the first tick', trigger: { afterStdout: 'BEGIN ' }, stop: 'SIGTERM' },
  { name: 'SIGINT while running', trigger: { afterStdout: 'netdata.ebpf_threads' }, stop: 'SIGINT' },
  { name: 'closed stdout while loading', trigger: { after: 900 }, stop: 'close-stdout' },
  { name: 'SIGTERM twice at once while loading', trigger: { after: 800 }, stop: 'SIGTERM', second: { signal: 'SIGTERM', immediately: true } },
  { name: 'SIGTERM, then SIGTERM during the shutdown', trigger: { afterStdout: 'BEGIN ' }, stop: 'SIGTERM', second: { signal: 'SIGTERM' } },
  { name: 'SIGINT, then SIGPIPE during the shutdown', trigger: { afterStderr: /hardirq: running in/ }, stop: 'SIGINT', second: { signal: 'SIGPIPE' } },
  // The timer starts once the config is read (~0.9 s after spawn), so it fires while collectors load.
  { name: '--duration 1 ending while collectors still load', trigger: { after: 1000 }, stop: 'none', args: ['--duration', '1'] },
  { name: '--duration 2, then SIGTERM during its shutdown', trigger: { afterStderr: /stopping \(/ }, stop: 'SIGTERM', args: ['--duration', '2'] },
];

async function trigger(run: PluginRun, t: Trigger): Promise<void> {
  if ('after' in t) {
    await waitFor(() => launcherCatchesSignals(run.child.pid as number), 'the launcher to catch signals', 20_000);
    await new Promise((r) => setTimeout(r, t.after));
  }
  else if ('afterStderr' in t) await waitFor(() => t.afterStderr.test(run.stderr()), `stderr ${t.afterStderr}`, 20_000);
  else await waitFor(() => run.stdout().includes(t.afterStdout), `stdout "${t.afterStdout}"`, 20_000);
}

describe('a stop at any moment: exit 0, quickly, nothing left loaded', () => {
  const config = makeConfigDir();
  const timings: string[] = [];

  it.each(points)('$name', async (point) => {
    const before = programIds();
    const run = startPlugin(['1', '--config-dir', config, '--collectors', 'process,hardirq', ...(point.args ?? [])]);
    const spawnedAt = Date.now();
    let exitedAt = 0;
    const exited = run.exited.then((r) => ((exitedAt = Date.now()), r));
    await Promise.race([trigger(run, point.trigger), exited]);
    // For `--duration`, "stopped" is when its timer could have fired at the latest (the config read by 1 s after spawn).
    const stoppedAt = point.stop === 'none' ? spawnedAt + 1_000 + Number(point.args?.[1]) * 1000 : Date.now();
    // `--duration` may end the plugin before the trigger: the exit code is then what counts.
    if (exitedAt === 0) {
      if (point.stop === 'close-stdout') run.child.stdout.destroy();
      else if (point.stop !== 'none') run.child.kill(point.stop);
      if (point.second?.immediately) run.child.kill(point.second.signal);
      else if (point.second) {
        const second = point.second.signal;
        void waitFor(() => /received SIG|stopping/.test(run.stderr()) || exitedAt !== 0, 'the shutdown', BOUND_MS).then(
          () => exitedAt === 0 && run.child.kill(second),
          () => undefined,
        );
      }
    }
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 15_000);
    const { code, signal } = await exited;
    clearTimeout(timer);
    const elapsed = exitedAt - stoppedAt;
    timings.push(`${point.name}: ${Math.max(0, elapsed)} ms`);
    expect({ code, signal }, run.stderr().slice(-2000)).toEqual({ code: 0, signal: null });
    expect(elapsed, `stop to exit (ms)\n${run.stderr().slice(-1500)}`).toBeLessThanOrEqual(BOUND_MS);
    expect(run.stderr()).not.toMatch(/fatal|TimeoutOverflowWarning|Unhandled/);
    // The kernel frees a program with its last fd: give it a moment after exit.
    await waitFor(() => [...programIds()].every((id) => before.has(id)), 'no program of this run left loaded', 3_000);
  });

  it('timings', () => {
    // Printed so a slow stop shows in the CI log before it fails the bound.
    console.log(`stop -> exit:\n  ${timings.join('\n  ')}`);
    expect(timings.length).toBe(points.length);
  });
});
