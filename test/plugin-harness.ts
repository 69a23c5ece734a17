/**
 * Runs the built `ebpf.plugin` binary as Netdata would (stdout a pipe) and
 * collects what it printed.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
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

/**
 * A path to the launcher that `uid` can run. The checkout may sit where only
 * its owner can go (a clone in /root, mode 0700): then the tree, without .git,
 * is copied once per test file to a world-readable directory under /tmp (one
 * per checkout, replaced each time) and the copy's launcher is returned.
 * `EBPFC_TEST_FORCE_COPY=1` copies even when the checkout is readable.
 */
export function pluginRunnableBy(uid: number): string {
  const readable =
    process.env.EBPFC_TEST_FORCE_COPY !== '1' &&
    spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all', 'test', '-r', PLUGIN]).status === 0;
  if (readable) return PLUGIN;
  copiedRoot ??= copyTreeForOthers();
  return join(copiedRoot, relative(REPO, PLUGIN));
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
let copiedRoot: string | undefined;

function copyTreeForOthers(): string {
  // One fixed place per checkout, refreshed on each test run (test workers may end without an exit event to clean up).
  const dest = join(tmpdir(), `ebpfc-tree-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}`);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { mode: 0o755 });
  chmodSync(dest, 0o755);
  // A real copy, not hard links: a clone made with umask 077 has 0600 files, and their modes are changed in the copy only.
  const entries = readdirSync(REPO).filter((name) => name !== '.git');
  const copied = spawnSync('cp', ['-a', ...entries, dest], { cwd: REPO });
  if (copied.status !== 0) throw new Error(`cannot copy the checkout for another user: ${String(copied.stderr)}`);
  spawnSync('chmod', ['-R', 'go+rX', dest]);
  return dest;
}
