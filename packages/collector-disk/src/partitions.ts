/**
 * Disk names from `/proc/partitions`.
 */
import { readFileSync } from 'node:fs';

/** The kernel's dev_t of a device number: major << 20 | minor (what the BPF side keys disks by). */
export function kernelDev(major: number, minor: number): number {
  return ((major << 20) | minor) >>> 0;
}

/** Major and minor of a kernel dev_t. */
export function devNumbers(dev: number): { major: number; minor: number } {
  return { major: dev >>> 20, minor: dev & 0xfffff };
}

/**
 * dev_t -> name of every block device `/proc/partitions` lists (disks and
 * partitions; requests are counted against their disk, so only disks get
 * counts). A device of zero size (a detached loop device) is not listed there.
 */
export function parseProcPartitions(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+\d+\s+(\S+)\s*$/.exec(line);
    if (!m) continue;
    out.set(kernelDev(Number(m[1]), Number(m[2])), m[3]!);
  }
  return out;
}

/** {@link parseProcPartitions} of a file; empty when it cannot be read. */
export function readProcPartitions(path = '/proc/partitions'): Map<number, string> {
  try {
    return parseProcPartitions(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}
