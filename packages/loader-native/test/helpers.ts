/** Shared by the kernel tests: object paths, workloads, kernel-side checks. */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Logger } from '../src/index.js';

export const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

export const isRoot = process.getuid?.() === 0;

/** Path of a compiled test object (test/bpf/<name>.bpf.c). */
export function objectPath(name: string): string {
  return join(packageDir, 'test', '.build', `${name}.bpf.o`);
}

/**
 * Makes `n` getppid() syscalls from this process. Node's `process.ppid`
 * getter calls uv_os_getppid, i.e. the syscall, every time.
 */
export function getppidWorkload(n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += process.ppid;
  return sum;
}

/** A Logger that keeps what it receives. */
export function collectingLogger(): Logger & { lines: Array<[level: string, message: string]> } {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    debug: (m) => lines.push(['debug', m]),
    info: (m) => lines.push(['info', m]),
    warn: (m) => lines.push(['warn', m]),
    error: (m) => lines.push(['error', m]),
  };
}

/** Whether the kernel still has a program with this id (bpftool is an independent witness). */
export function programExists(id: number): boolean {
  try {
    execFileSync('bpftool', ['prog', 'show', 'id', String(id)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** bpftool's JSON view of a map. */
export function bpftoolMap(id: number): { type: string; max_entries: number; bytes_memlock: number } {
  return JSON.parse(execFileSync('bpftool', ['map', 'show', 'id', String(id), '--json'], { encoding: 'utf8' })) as {
    type: string;
    max_entries: number;
    bytes_memlock: number;
  };
}

/** Program releases can be deferred by RCU; poll instead of sleeping a fixed time. */
export async function eventually(check: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export function u64(n: bigint | number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}
