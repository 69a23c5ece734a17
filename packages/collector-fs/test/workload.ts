/**
 * Workloads of the fd and filesystem kernel tests. Each says exactly which
 * calls it makes, so the tests can assert lower bounds on the charts.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LeafWork } from '@ebpf-collectors/test-utils';

/** What {@link fdLeaf} does. */
export interface FdWork {
  /** Files created, then closed (one open + one close each). */
  readonly opens: number;
  /** Opens of names that do not exist (each fails with ENOENT). */
  readonly failedOpens: number;
  /** Closes of descriptors that are not open (each fails with EBADF). */
  readonly failedCloses: number;
}

/**
 * A Node leaf that, in `dir`, creates and closes `opens` files, fails to open
 * `failedOpens` missing files and fails to close `failedCloses` bad
 * descriptors, then prints `fd <opens> <failedOpens> <failedCloses>` with the
 * counts it really got.
 */
export function fdLeaf(dir: string, work: FdWork): LeafWork {
  return {
    node: `
const fs = await import('node:fs');
const dir = ${JSON.stringify(dir)};
fs.mkdirSync(dir, { recursive: true });
let opened = 0, failed = 0, badClose = 0;
for (let i = 0; i < ${work.opens}; i++) {
  const fd = fs.openSync(dir + '/f' + i, 'w');
  fs.closeSync(fd);
  opened++;
}
for (let i = 0; i < ${work.failedOpens}; i++) {
  try { fs.openSync(dir + '/missing/m' + i, 'r'); } catch (e) { if (e.code === 'ENOENT') failed++; }
}
for (let i = 0; i < ${work.failedCloses}; i++) {
  try { fs.closeSync(900000 + i); } catch (e) { if (e.code === 'EBADF') badClose++; }
}
console.log('fd ' + opened + ' ' + failed + ' ' + badClose);`,
  };
}

/** What {@link fileWorkload} did. */
export interface FileWork {
  readonly opens: number;
  readonly writes: number;
  readonly reads: number;
  readonly syncs: number;
}

/**
 * In this process: in `dir`, open `files` files (creating them), write
 * `perFile` blocks of 4 KiB to each, fsync each, then re-open each and read
 * the blocks back. Every call is a syscall on `dir`'s filesystem.
 */
export function fileWorkload(dir: string, files: number, perFile: number): FileWork {
  mkdirSync(dir, { recursive: true });
  const block = Buffer.alloc(4096, 0x5a);
  const into = Buffer.alloc(4096);
  let opens = 0;
  let writes = 0;
  let reads = 0;
  let syncs = 0;
  for (let f = 0; f < files; f++) {
    const path = join(dir, `w${f}`);
    const fd = openSync(path, 'w');
    opens++;
    for (let i = 0; i < perFile; i++) {
      writeSync(fd, block, 0, block.length, i * block.length);
      writes++;
    }
    fsyncSync(fd);
    syncs++;
    closeSync(fd);
    const rd = openSync(path, 'r');
    opens++;
    for (let i = 0; i < perFile; i++) {
      if (readSync(rd, into, 0, into.length, i * into.length) === into.length) reads++;
    }
    closeSync(rd);
  }
  return { opens, writes, reads, syncs };
}
