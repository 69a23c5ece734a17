/**
 * Least privilege. A plugin started by root keeps only CAP_BPF and CAP_DAC_READ_SEARCH (and sets
 * no_new_privs) once everything is attached, and still sends data; a
 * non-root user holding the documented set (CAP_BPF, CAP_PERFMON,
 * CAP_DAC_READ_SEARCH: packages/plugin/README.md) attaches every collector
 * root attaches, in the same mode; without CAP_DAC_READ_SEARCH the failures
 * name it.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfigDir, pluginRunnableBy, startPlugin, waitFor } from './plugin-harness.js';

/** What a root-started plugin keeps: CAP_BPF | CAP_DAC_READ_SEARCH. */
const KEPT = (1n << 39n) | (1n << 2n);
const config = makeConfigDir();

function status(path: string): string {
  return readFileSync(path, 'utf8');
}
function capEff(text: string): bigint {
  return BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(text)?.[1] ?? '0'}`);
}

interface Attach {
  collector: string;
  chosen?: string;
  attempts: Array<{ mode: string; ok: boolean; reason?: string }>;
}

/** `--check --json` as `uid` with `caps` (setpriv names: +bpf,+perfmon), or as this process when uid is undefined. */
function check(uid?: number, caps?: string): { status: number | null; attach: Attach[]; stderr: string } {
  const plugin = uid === undefined ? undefined : pluginRunnableBy(uid);
  const args = ['--check', '--json', '--config-dir', config];
  const r =
    uid === undefined
      ? spawnSync(pluginRunnableBy(0), args, { encoding: 'utf8', timeout: 90_000 })
      : spawnSync(
          'setpriv',
          [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', `--inh-caps=-all,${caps}`, `--ambient-caps=-all,${caps}`, plugin as string, ...args],
          { encoding: 'utf8', timeout: 90_000 },
        );
  const attach = r.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Attach & { kind: string })
    .filter((line) => line.kind === 'attach');
  return { status: r.status, attach, stderr: r.stderr };
}

const modes = (attach: Attach[]) => Object.fromEntries(attach.map((a) => [a.collector, a.chosen ?? 'FAILED']));

describe('least privilege', () => {
  it('root-started: after attaching, CapEff is CAP_BPF + CAP_DAC_READ_SEARCH only, no_new_privs is set, and data keeps coming', async () => {
    const run = startPlugin(['1', '--config-dir', config, '--collectors', 'process,hardirq']);
    try {
      await waitFor(() => run.stderr().includes('capabilities dropped after attaching'), 'the drop', 30_000);
      const pid = run.child.pid as number;
      const main = status(`/proc/${pid}/status`);
      expect(capEff(main).toString(16)).toBe(KEPT.toString(16));
      expect(/^CapPrm:\s*([0-9a-f]+)$/m.exec(main)?.[1]).toBe('0000008000000004');
      expect(/^NoNewPrivs:\s*(\d)$/m.exec(main)?.[1]).toBe('1');
      // Every thread but Node's SIGUSR1 wake-up thread (it blocks every signal but glibc's) takes the drop.
      const wider = readdirSync(`/proc/${pid}/task`).filter((tid) => {
        try {
          return (capEff(status(`/proc/${pid}/task/${tid}/status`)) & ~KEPT) !== 0n;
        } catch {
          return false;
        }
      });
      expect(wider.length, `threads with more than the kept set: ${wider.join(', ')}`).toBeLessThanOrEqual(1);
      // Maps are still read: a data block after the drop.
      const before = run.stdout().split('BEGIN system.process_thread').length;
      await waitFor(() => run.stdout().split('BEGIN system.process_thread').length > before + 1, 'data after the drop', 10_000);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect((await run.exited).code).toBe(0);
  });

  it('uid 65534 with CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH attaches what root attaches, in the same modes', () => {
    const root = check();
    const user = check(65534, '+bpf,+perfmon,+dac_read_search');
    expect(root.attach.length).toBeGreaterThan(0);
    expect(modes(user.attach), user.stderr.slice(-2000)).toEqual(modes(root.attach));
    expect(user.status).toBe(root.status);
    expect(user.stderr).not.toContain('without CAP_DAC_READ_SEARCH');
  });

  it('without CAP_DAC_READ_SEARCH the plugin says so, and tracepoint failures name it', () => {
    const user = check(65534, '+bpf,+perfmon');
    expect(user.stderr).toContain('without CAP_DAC_READ_SEARCH');
    const reasons = user.attach.flatMap((a) => a.attempts.map((t) => t.reason ?? '')).join('\n');
    expect(reasons).toContain('grant CAP_DAC_READ_SEARCH');
    expect(reasons).not.toContain('tracefs is not mounted');
  });
});
