/**
 * event-limits group of the disk collector (bpf/disk.bpf.c: block request
 * latency histogram per disk on raw_tp/block_rq_issue and
 * raw_tp/block_rq_complete, in every attach mode).
 *
 * The events come from O_DIRECT 4 KiB preads of a file on the machine's
 * disk (bench/bpf/io_loop.c `dread_bpf`): one block request each. A read
 * costs tens of microseconds (the host's I/O), and its wall clock varies by
 * several microseconds from batch to batch, far above the few hundred ns
 * the programs add; the thread sleeps meanwhile, so its CPU clock does not
 * hold the completion side either. What is readable is the programs' own
 * run time: `dread_bpf` turns on the kernel's BPF run-time statistics for
 * itself and reports the run_time_ns the loaded tracing programs gained
 * per read (the program bodies on every CPU; the hook's dispatch, such as a
 * tracepoint's record, is not in it). `diskFile` and `onDisk` are shared
 * with the hardirq line group (event-groups/irq.mjs).
 */
import { execFileSync } from "node:child_process";
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from "node:fs";
import { randomFillSync } from "node:crypto";
import { join } from "node:path";
import { EnvironmentError } from "../lib.mjs";

/** Size of the file the reads cycle through: written with data, so every read is a real request. */
const FILE_BYTES = 16 << 20;

/** The file a group's reads use, in the bench's work directory. */
export const diskFile = (work, name) => join(work, `${name}-dread.bin`);

/** The block device `path` lives on (findmnt's SOURCE), so the notes can say which disk was read. */
export function onDisk(path) {
  try {
    return execFileSync("findmnt", ["-n", "-o", "SOURCE", "-T", path], {
      encoding: "utf8",
    }).trim();
  } catch (err) {
    return `unknown (${err.message})`;
  }
}

/**
 * Write the file (random data, fsynced: reads of unwritten extents would cause no I/O at all); the cleanup
 * removes it. Refuses a work directory on tmpfs or another memory file system, where O_DIRECT reads hit no disk.
 */
export async function writeDiskFile(work, name) {
  const file = diskFile(work, name);
  const source = onDisk(work);
  if (!source.startsWith("/dev/")) {
    throw new EnvironmentError(
      `${work} is on ${source}, not a disk: set TMPDIR to a directory on a disk for the ${name} group's reads`
    );
  }
  const fd = openSync(file, "w");
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let done = 0; done < FILE_BYTES; done += chunk.length)
      writeSync(fd, randomFillSync(chunk));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return async () => rmSync(file, { force: true });
}

export const group = {
  source: "disk_limits",
  loop: "io_loop",
  loopLibs: ["-lpthread"],
  workload: "dread_bpf",
  n: 1000,
  unit: "read",
  what: "O_DIRECT pread(2) of 4 KiB from a 16 MiB file on the disk, one block request each (block_rq_issue, block_rq_complete); ns = BPF program run time per read (kernel BPF stats, program bodies only, every CPU), not wall clock: a read takes tens of us and varies by several",
  accounting:
    "start time and disk per request (hash; keyed by request on raw_tp/tp_btf, by dev+sector on the tracepoint), at completion the latency's log2 bin counted per disk (per-CPU hash of (dev, bin)) and the start deleted",
  minimal: [
    {
      hook: "tracepoint",
      label: "block:block_rq_{issue,complete}",
      programs: ["tp_disk_issue", "tp_disk_complete"],
    },
    {
      hook: "raw_tp",
      label: "raw_tp/block_rq_{issue,complete}",
      programs: ["raw_disk_issue", "raw_disk_complete"],
    },
    {
      hook: "tp_btf",
      label: "tp_btf/block_rq_{issue,complete}",
      programs: ["btf_disk_issue", "btf_disk_complete"],
    },
  ],
  plugin: [
    { label: "tp_btf (as it ships, every mode)" },
    { label: "raw_tp (as before session 7)", env: { EBPFC_TRACEPOINT_HOOK: "raw_tp" } },
  ],
  bpftrace: [
    "tracepoint:block:block_rq_issue /args->dev/ { @start[args->dev, args->sector] = nsecs; }",
    "tracepoint:block:block_rq_complete { $s = @start[args->dev, args->sector]; if ($s) { @us[args->dev] = hist((nsecs - $s) / 1000); delete(@start[args->dev, args->sector]); } }",
  ].join("\n"),
  setup: (work) => writeDiskFile(work, "disk"),
  loopArgs: (work) => [diskFile(work, "disk")],
};
