/**
 * Runs the built `ebpf.plugin` binary as Netdata would (stdout a pipe) and
 * collects what it printed.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const PLUGIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'plugin', 'bin', 'ebpf.plugin');

/** Every collector this repository ships, by Netdata module name. */
export const ALL_COLLECTORS = ['process', 'socket', 'vfs', 'fd', 'filesystem', 'hardirq', 'softirq', 'sync', 'mount', 'oomkill', 'shm'] as const;

/** A user config dir with `update every = 1` so a few seconds give several ticks, and every collector on. */
export function makeConfigDir(extra: { global?: string; programs?: string; files?: Record<string, string> } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfc-conf-'));
  mkdirSync(join(dir, 'ebpf.d'));
  writeFileSync(
    join(dir, 'ebpf.d.conf'),
    `[global]\n    update every = 1\n    apps = yes\n    cgroups = no\n${extra.global ?? ''}\n[ebpf programs]\n` +
      ALL_COLLECTORS.map((c) => `    ${c} = yes\n`).join('') +
      (extra.programs ?? ''),
  );
  for (const [name, text] of Object.entries(extra.files ?? {})) writeFileSync(join(dir, name), text);
  return dir;
}

export interface PluginRun {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) when the plugin ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the plugin with stdout and stderr piped. */
export function startPlugin(args: string[], env: NodeJS.ProcessEnv = {}): PluginRun {
  const child = spawn(PLUGIN, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Wait until `predicate` holds, polling; throws with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
