/**
 * The sync collector's own workload and the chart movements it must cause,
 * shared by `ebpf.plugin --self-test`, the VM attach-mode matrix and the
 * package's kernel test.
 *
 * A python3 child makes N calls of fsync, fdatasync, msync (mmap.flush),
 * syncfs and sync_file_range (ctypes on libc) on a scratch file, and a few
 * sync(2) calls (each one flushes every filesystem of the machine, so they
 * are kept few). python3 because Node has none of msync, sync, syncfs and
 * sync_file_range.
 */
import type { SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { WorkloadError, runPython } from '@ebpf-collectors/core';
import { enabledSyscalls } from './config.js';
import { chartOf } from './metrics.js';
import type { SyncSyscall } from './types.js';

/** Calls of each syscall but sync at scale 1. */
export const SYNC_CALLS = 40;
/** sync(2) calls at scale 1. */
export const SYNC_GLOBAL_CALLS = 3;

/** How many calls of each syscall a workload of `scale` makes. */
export function syncWorkload(scale: number): Record<SyncSyscall, number> {
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const n = Math.max(1, Math.round(SYNC_CALLS * scale));
  const s = Math.max(1, Math.round(SYNC_GLOBAL_CALLS * scale));
  return { fsync: n, fdatasync: n, msync: n, sync: s, syncfs: n, sync_file_range: n };
}

/**
 * The python3 program: argv = directory, then the six counts in
 * {@link syncWorkload}'s key order. Prints one JSON line with the calls that
 * succeeded per syscall.
 */
export const SYNC_WORKLOAD_PY = String.raw`
import ctypes, json, mmap, os, sys
d = sys.argv[1]
want = dict(zip(['fsync', 'fdatasync', 'msync', 'sync', 'syncfs', 'sync_file_range'], map(int, sys.argv[2:8])))
libc = ctypes.CDLL(None, use_errno=True)
libc.syncfs.argtypes = [ctypes.c_int]
libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
path = os.path.join(d, 'ebpfc-sync-data')
fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, b'x' * 4096)
m = mmap.mmap(fd, 4096)
done = dict((k, 0) for k in want)
def ok(name, rc):
    if rc != 0:
        raise OSError(ctypes.get_errno(), name + ' failed: ' + os.strerror(ctypes.get_errno()))
    done[name] += 1
for i in range(want['fsync']):
    os.write(fd, b'y'); os.fsync(fd); done['fsync'] += 1
for i in range(want['fdatasync']):
    os.write(fd, b'y'); os.fdatasync(fd); done['fdatasync'] += 1
for i in range(want['msync']):
    m[0:1] = b'z'; m.flush(); done['msync'] += 1
for i in range(want['syncfs']):
    ok('syncfs', libc.syncfs(fd))
for i in range(want['sync_file_range']):
    ok('sync_file_range', libc.sync_file_range(fd, 0, 0, 2))
for i in range(want['sync']):
    os.sync(); done['sync'] += 1
m.close(); os.close(fd); os.unlink(path)
print(json.dumps(done), flush=True)
`;

/** A python3 workload run with a time bound (the kit's runner). */
export { runPython };

/** Parse the workload's JSON report (its last stdout line). */
export function parseSyncReport(stdout: string): Record<SyncSyscall, number> {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<SyncSyscall, number>;
  } catch (error) {
    throw new WorkloadError(`the sync workload printed no report: ${JSON.stringify(stdout.slice(-300))}`, { cause: error });
  }
}

/** Run the workload in `dir` and check it did every call it was asked. */
export async function runSyncWorkload(dir: string, counts: Record<SyncSyscall, number>): Promise<void> {
  const order: SyncSyscall[] = ['fsync', 'fdatasync', 'msync', 'sync', 'syncfs', 'sync_file_range'];
  const report = parseSyncReport(await runPython(SYNC_WORKLOAD_PY, [dir, ...order.map((s) => String(counts[s]))], dir));
  for (const s of order) {
    if (report[s] !== counts[s]) throw new WorkloadError(`the sync workload made ${report[s]} ${s} calls of ${counts[s]}`);
  }
}

/** Lower bounds on the host charts: at least the workload's calls of each enabled syscall. */
export function syncExpectations(counts: Record<SyncSyscall, number>, syscalls: ReadonlyArray<SyncSyscall>): SelfTestExpectation[] {
  return syscalls.map((s) => ({
    chart: chartOf(s),
    dimension: s,
    atLeast: BigInt(counts[s]),
    why: `${counts[s]} ${s}(2) calls of the python3 workload`,
  }));
}

/** `--self-test`: N calls of each syscall from python3, lower bounds on every dimension of an enabled syscall. */
export const syncSelfTest: SelfTest = {
  description: 'a python3 child calls fsync, fdatasync, msync, syncfs and sync_file_range N times each on a scratch file, and sync a few times',
  async run(context: SelfTestContext) {
    const counts = syncWorkload(context.scale);
    const movement = await context.measure(() => runSyncWorkload(context.scratchDir, counts));
    return { movement, expectations: syncExpectations(counts, enabledSyscalls(context.config)) };
  },
};
