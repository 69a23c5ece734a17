/**
 * The file workload of the kernel tests: a Node leaf of a named process tree
 * (test-utils' startProcessTree) that writes a file of known size in known
 * chunks, fsyncs it, reads it back, creates and deletes files, removes
 * directories, and makes reads and opens fail. It reports what it did as one
 * JSON line on stdout.
 */
import type { LeafWork } from '@ebpf-collectors/test-utils';

/** What the workload does; every count is exact. */
export interface FileWorkload {
  /** Bytes per read and per write call. */
  readonly chunk: number;
  /** write(2) calls of `chunk` bytes (the file is `chunk * writes` bytes). */
  readonly writes: number;
  /** read(2) calls of `chunk` bytes reading the file back. */
  readonly reads: number;
  /** fsync(2) calls on the written file. */
  readonly fsyncs: number;
  /** Files created (open O_CREAT) then unlinked, besides the data file. */
  readonly files: number;
  /** Directories created then removed with rmdir(2): not deletes for vfs_unlink. */
  readonly dirs: number;
  /** read(2) calls on a descriptor that is not open (EBADF). */
  readonly badReads: number;
  /** open(2) calls of missing files (ENOENT). */
  readonly missingOpens: number;
}

/** What the leaf reports, to check that it really did the work. */
export interface FileWorkloadReport {
  readonly written: number;
  readonly read: number;
  readonly badReads: number;
  readonly missingOpens: number;
}

/** What the kernel must have seen from the workload, at least (host) or exactly (where noted). */
export function expectedCounts(w: FileWorkload) {
  return {
    writeCalls: w.writes,
    readCalls: w.reads + w.badReads,
    writeBytes: w.chunk * w.writes,
    readBytes: w.chunk * w.reads,
    fsyncCalls: w.fsyncs,
    /** The data file and the `files` created ones; not the directories. */
    deletes: w.files + 1,
    /** Data file twice (write, read), created files, missing ones. */
    opens: 2 + w.files + w.missingOpens,
    /** open(O_CREAT) of the data file and of each created file. */
    creates: 1 + w.files,
    readErrors: w.badReads,
    openErrors: w.missingOpens,
  };
}

/** The leaf's Node code for `w`. */
export function fileLeaf(w: FileWorkload): LeafWork {
  return {
    node: `
const fs = await import('node:fs');
const { join } = await import('node:path');
const { tmpdir } = await import('node:os');
const w = ${JSON.stringify(w)};
const dir = fs.mkdtempSync(join(tmpdir(), 'ebpfc-vfs-'));
const chunk = Buffer.alloc(w.chunk, 0x61);
const data = join(dir, 'data');
let fd = fs.openSync(data, 'w');
let written = 0;
for (let i = 0; i < w.writes; i++) written += fs.writeSync(fd, chunk);
for (let i = 0; i < w.fsyncs; i++) fs.fsyncSync(fd);
fs.closeSync(fd);
fd = fs.openSync(data, 'r');
let read = 0;
for (let i = 0; i < w.reads; i++) read += fs.readSync(fd, chunk, 0, w.chunk, null);
fs.closeSync(fd);
for (let i = 0; i < w.files; i++) fs.closeSync(fs.openSync(join(dir, 'f' + i), 'w'));
for (let i = 0; i < w.files; i++) fs.unlinkSync(join(dir, 'f' + i));
for (let i = 0; i < w.dirs; i++) { fs.mkdirSync(join(dir, 'd' + i)); fs.rmdirSync(join(dir, 'd' + i)); }
let badReads = 0;
for (let i = 0; i < w.badReads; i++) {
  try { fs.readSync(1000000 + i, chunk, 0, 1, null); } catch (e) { if (e.code === 'EBADF') badReads++; }
}
let missingOpens = 0;
for (let i = 0; i < w.missingOpens; i++) {
  try { fs.openSync(join(dir, 'missing' + i), 'r'); } catch (e) { if (e.code === 'ENOENT') missingOpens++; }
}
fs.unlinkSync(data);
fs.rmdirSync(dir);
process.stdout.write(JSON.stringify({ written, read, badReads, missingOpens }) + '\\n');
`,
  };
}

/** The report line of a finished leaf. */
export function parseReport(stdout: string): FileWorkloadReport {
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as FileWorkloadReport;
}
