/**
 * The mount collector's own workload and the chart movements it must cause,
 * shared by `ebpf.plugin --self-test`, the VM attach-mode matrix and the
 * package's kernel test.
 *
 * A python3 child (ctypes on libc: Node has no mount) mounts and unmounts a
 * small tmpfs on a scratch directory N times with mount(2)/umount2(2), does
 * the same K times through the new mount API (fsopen, fsconfig, fsmount,
 * move_mount) where libc has it, fails M mounts (the target does not
 * exist: ENOENT) and F unmounts (not a mount point: EINVAL), and reports
 * what it did. It needs root, as the plugin does.
 */
import type { AttachMode, SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { WorkloadError, runPython } from '@ebpf-collectors/core';
import { TYPE } from './metrics.js';

/** What the workload is asked to do. */
export interface MountWorkload {
  /** tmpfs mounted with mount(2) and unmounted with umount2(2). */
  readonly mounts: number;
  /** mount(2) calls on a missing target (ENOENT). */
  readonly failedMounts: number;
  /** umount2(2) calls on a directory that is no mount point (EINVAL). */
  readonly failedUmounts: number;
  /** tmpfs mounted with fsopen/fsconfig/fsmount/move_mount and unmounted with umount2(2). */
  readonly newApiMounts: number;
}

/** What it reports having done (new-API mounts are 0 where libc lacks the calls). */
export type MountReport = MountWorkload;

/** The workload at scale 1. */
export const MOUNT_WORKLOAD: MountWorkload = { mounts: 20, failedMounts: 10, failedUmounts: 5, newApiMounts: 5 };

/** The workload shrunk or grown by `scale` (each count at least 1). */
export function scaleMountWorkload(w: MountWorkload, scale: number): MountWorkload {
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`scale must be a positive number, got ${scale}`);
  const s = (n: number) => Math.max(1, Math.round(n * scale));
  return { mounts: s(w.mounts), failedMounts: s(w.failedMounts), failedUmounts: s(w.failedUmounts), newApiMounts: s(w.newApiMounts) };
}

/** The python3 program: argv = directory, mounts, failed mounts, failed umounts, new-API mounts. Prints a JSON {@link MountReport}. */
export const MOUNT_WORKLOAD_PY = String.raw`
import ctypes, errno, json, os, sys
d = sys.argv[1]
mounts, failed_mounts, failed_umounts, new_api = map(int, sys.argv[2:6])
libc = ctypes.CDLL(None, use_errno=True)
C = ctypes.c_char_p
libc.mount.argtypes = [C, C, C, ctypes.c_ulong, ctypes.c_void_p]
libc.umount2.argtypes = [C, ctypes.c_int]
def fail(what):
    e = ctypes.get_errno()
    raise OSError(e, what + ': ' + os.strerror(e))
target = os.path.join(d, 'ebpfc-mnt').encode()
missing = os.path.join(d, 'ebpfc-no-such-dir').encode()
os.mkdir(target)
done = {'mounts': 0, 'failedMounts': 0, 'failedUmounts': 0, 'newApiMounts': 0}
try:
    for i in range(mounts):
        if libc.mount(b'ebpfc-selftest', target, b'tmpfs', 0, b'size=64k') != 0: fail('mount')
        if libc.umount2(target, 0) != 0: fail('umount2')
        done['mounts'] += 1
    for i in range(failed_mounts):
        if libc.mount(b'ebpfc-selftest', missing, b'tmpfs', 0, None) == 0: raise RuntimeError('mount on a missing directory worked')
        if ctypes.get_errno() == errno.ENOENT: done['failedMounts'] += 1
    for i in range(failed_umounts):
        if libc.umount2(target, 0) == 0: raise RuntimeError('umount2 of a plain directory worked')
        if ctypes.get_errno() == errno.EINVAL: done['failedUmounts'] += 1
    if hasattr(libc, 'move_mount'):
        libc.fsopen.argtypes = [C, ctypes.c_uint]
        libc.fsconfig.argtypes = [ctypes.c_int, ctypes.c_uint, C, ctypes.c_void_p, ctypes.c_int]
        libc.fsmount.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint]
        libc.move_mount.argtypes = [ctypes.c_int, C, ctypes.c_int, C, ctypes.c_uint]
        for i in range(new_api):
            fs = libc.fsopen(b'tmpfs', 1)
            if fs < 0: fail('fsopen')
            if libc.fsconfig(fs, 6, None, None, 0) != 0: fail('fsconfig')
            mnt = libc.fsmount(fs, 1, 0)
            if mnt < 0: fail('fsmount')
            if libc.move_mount(mnt, b'', -100, target, 4) != 0: fail('move_mount')
            os.close(mnt); os.close(fs)
            if libc.umount2(target, 0) != 0: fail('umount2')
            done['newApiMounts'] += 1
finally:
    while libc.umount2(target, 2) == 0:
        pass
    os.rmdir(target)
print(json.dumps(done), flush=True)
`;

/** A python3 workload run with a time bound (the kit's runner). */
export { runPython };

/**
 * Run the workload in `dir` and check it did what it was asked (new-API
 * mounts may be 0 where libc lacks move_mount). Returns what it did.
 *
 * @throws WorkloadError when a part fell short
 */
export async function runMountWorkload(dir: string, w: MountWorkload): Promise<MountReport> {
  const stdout = await runPython(
    MOUNT_WORKLOAD_PY,
    [dir, String(w.mounts), String(w.failedMounts), String(w.failedUmounts), String(w.newApiMounts)],
    dir,
  );
  let report: MountReport;
  try {
    report = JSON.parse(stdout.trim().split('\n').pop() ?? '') as MountReport;
  } catch (error) {
    throw new WorkloadError(`the mount workload printed no report: ${JSON.stringify(stdout.slice(-300))}`, { cause: error });
  }
  for (const key of ['mounts', 'failedMounts', 'failedUmounts'] as const) {
    if (report[key] !== w[key]) throw new WorkloadError(`the mount workload did ${report[key]} ${key} of ${w[key]}`);
  }
  if (report.newApiMounts !== 0 && report.newApiMounts !== w.newApiMounts) {
    throw new WorkloadError(`the mount workload did ${report.newApiMounts} new-API mounts of ${w.newApiMounts}`);
  }
  return report;
}

/**
 * Whether the errors chart counts in this mode: the return side is hooked
 * (return load mode), or the exit tracepoints are (tracepoint mode, both
 * load modes).
 */
export function countsErrors(mode: AttachMode, returnMode: boolean): boolean {
  return returnMode || mode === 'tracepoint';
}

/** Lower bounds on `mount_points.call` (and `.error` where errors are counted) for what the workload did. */
export function mountExpectations(r: MountReport, errors: boolean): SelfTestExpectation[] {
  const n = BigInt;
  const out: SelfTestExpectation[] = [
    {
      chart: `${TYPE}.call`,
      dimension: 'mount',
      atLeast: n(r.mounts + r.failedMounts + r.newApiMounts),
      why: `${r.mounts} mount(2) + ${r.failedMounts} failing + ${r.newApiMounts} move_mount(2)`,
    },
    {
      chart: `${TYPE}.call`,
      dimension: 'umount',
      atLeast: n(r.mounts + r.newApiMounts + r.failedUmounts),
      why: `${r.mounts + r.newApiMounts} umount2(2) + ${r.failedUmounts} failing`,
    },
  ];
  if (errors) {
    out.push(
      { chart: `${TYPE}.error`, dimension: 'mount', atLeast: n(r.failedMounts), why: `${r.failedMounts} mount(2) on a missing directory (ENOENT)` },
      { chart: `${TYPE}.error`, dimension: 'umount', atLeast: n(r.failedUmounts), why: `${r.failedUmounts} umount2(2) of a plain directory (EINVAL)` },
    );
  }
  return out;
}

/** `--self-test`: tmpfs mounts and unmounts (old and new API) and failing ones from python3; bounds on both charts. */
export const mountSelfTest: SelfTest = {
  description: 'a python3 child mounts and unmounts a tmpfs N times (mount(2) and the new mount API), and fails M mounts and F unmounts',
  async run(context: SelfTestContext) {
    const workload = scaleMountWorkload(MOUNT_WORKLOAD, context.scale);
    let report: MountReport | undefined;
    const movement = await context.measure(async () => {
      report = await runMountWorkload(context.scratchDir, workload);
    });
    if (report === undefined) throw new WorkloadError('the mount workload did not run');
    if (report.newApiMounts === 0) context.logger.warn('mount self-test: libc has no move_mount; the new mount API is not checked');
    const errors = countsErrors(context.instance.attachMode, context.config.loadMode === 'return');
    return { movement, expectations: mountExpectations(report, errors) };
  },
};
