/**
 * The shm collector's own workload and the chart movements it must cause,
 * shared by `ebpf.plugin --self-test`, the VM attach-mode matrix and the
 * package's kernel test.
 *
 * A python3 child (ctypes on libc: Node has no System V IPC) creates,
 * attaches, detaches and removes N private segments (one shmget, shmat,
 * shmdt and shmctl(IPC_RMID) each), reports what it did and stays alive
 * until released, so the PID table still knows it when the per-app values
 * are summed (`collect pid = all` keys the calls by the child itself).
 */
import type { CollectorConfig, SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { childProcess, effectiveAppsCgroups, SelfTestSkipped, WorkloadError } from '@ebpf-collectors/core';
import { enabledSyscalls } from './config.js';
import { HOST_CHART, specOf } from './metrics.js';
import type { ShmSyscall } from './types.js';

/** Segments at scale 1. */
export const SHM_SEGMENTS = 40;

/** Segments a workload of `scale` makes (at least 1). */
export function shmSegments(scale: number): number {
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`scale must be a positive number, got ${scale}`);
  return Math.max(1, Math.round(SHM_SEGMENTS * scale));
}

/**
 * The python3 program: argv = segments, then `hold` to wait for stdin to
 * close after the report. Prints one JSON line with the successful calls
 * per syscall.
 */
export const SHM_WORKLOAD_PY = String.raw`
import ctypes, json, os, sys
n = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p
libc.shmdt.argtypes = [ctypes.c_void_p]
libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
def fail(what):
    e = ctypes.get_errno()
    raise OSError(e, what + ': ' + os.strerror(e))
done = {'shmget': 0, 'shmat': 0, 'shmdt': 0, 'shmctl': 0}
for i in range(n):
    seg = libc.shmget(0, 4096, 0o1600)
    if seg < 0: fail('shmget')
    done['shmget'] += 1
    addr = libc.shmat(seg, None, 0)
    if addr is None or addr == ctypes.c_void_p(-1).value: fail('shmat')
    done['shmat'] += 1
    ctypes.memset(addr, 0x5a, 64)
    if libc.shmdt(ctypes.c_void_p(addr)) != 0: fail('shmdt')
    done['shmdt'] += 1
    if libc.shmctl(seg, 0, None) != 0: fail('shmctl')
    done['shmctl'] += 1
print(json.dumps(done), flush=True)
if len(sys.argv) > 2 and sys.argv[2] == 'hold':
    sys.stdin.read()
`;

/** How long the workload may take before it is killed. */
const WORKLOAD_TIMEOUT_MS = 60_000;

/** A workload child that printed its report and waits for stdin to close. */
export interface HeldWorkload {
  readonly pid: number;
  readonly report: Record<ShmSyscall, number>;
  /** Close its stdin and wait for it to exit (killed after 5 s). */
  release(): Promise<void>;
}

/**
 * Start the python3 workload making `segments` segments and resolve once it
 * reported, leaving it alive until `release()`.
 * KIT-CANDIDATE: a held-child runner (collector-vfs has its own for Node and perl children).
 *
 * @throws SelfTestSkipped when python3 is not installed
 * @throws WorkloadError when it fails, exits early or times out
 */
export function startShmWorkload(segments: number, cwd: string): Promise<HeldWorkload> {
  return new Promise((resolve, reject) => {
    // -S: no site module (nothing of site-packages is used); a faster start, which counts in the emulated VM lane.
    const child = childProcess().spawn('python3', ['-S', '-c', SHM_WORKLOAD_PY, String(segments), 'hold'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<void>((r) => child.once('close', () => r()));
    let stdout = '';
    let stderr = '';
    let settled = false;
    const settle = (error: Error | undefined, value?: HeldWorkload) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else resolve(value!);
    };
    const timer = setTimeout(() => settle(new WorkloadError(`the shm workload did not finish within ${WORKLOAD_TIMEOUT_MS} ms`)), WORKLOAD_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const line = /^(\{.*\})\n/m.exec(stdout)?.[1];
      if (line === undefined) return;
      let report: Record<ShmSyscall, number>;
      try {
        report = JSON.parse(line) as Record<ShmSyscall, number>;
      } catch (error) {
        settle(new WorkloadError(`the shm workload printed no report: ${JSON.stringify(line)}`, { cause: error }));
        return;
      }
      settle(undefined, {
        pid: child.pid!,
        report,
        async release() {
          child.stdin.end();
          const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
    child.once('error', (error: NodeJS.ErrnoException) =>
      settle(
        error.code === 'ENOENT'
          ? new SelfTestSkipped('python3 is not installed (the workload needs it: apt install python3)', { cause: error })
          : new WorkloadError(`cannot run python3: ${error.message}`, { cause: error }),
      ),
    );
    child.once('exit', (code, signal) => settle(new WorkloadError(`the shm workload exited (${code ?? signal}) before reporting; stderr: ${stderr.slice(-800)}`)));
  });
}

/** Check the workload made every call it was asked. @throws WorkloadError */
export function checkShmReport(report: Record<ShmSyscall, number>, segments: number): void {
  for (const s of ['shmget', 'shmat', 'shmdt', 'shmctl'] as const) {
    if (report[s] !== segments) throw new WorkloadError(`the shm workload made ${report[s]} ${s} calls of ${segments}`);
  }
}

/**
 * Lower bounds: the host chart's dimension of every enabled syscall, and
 * for each group in `apps` its `apps.shm*_call` dimension, move by at least
 * the segments made.
 */
export function shmExpectations(segments: number, syscalls: ReadonlyArray<ShmSyscall>, apps: ReadonlyArray<string> = []): SelfTestExpectation[] {
  const out: SelfTestExpectation[] = [];
  const n = BigInt(segments);
  for (const s of syscalls) {
    out.push({ chart: `${HOST_CHART.type}.${HOST_CHART.id}`, dimension: specOf(s).dimension, atLeast: n, why: `${segments} ${s}(2) calls of the python3 workload` });
  }
  for (const group of apps) {
    for (const s of syscalls) out.push({ chart: `apps.${specOf(s).groupId}`, dimension: group, atLeast: n, why: `${segments} ${s}(2) calls by the workload, in app group ${group}` });
  }
  return out;
}

/** The PID the kernel keys the child's calls by, per `collect pid` (`not set` behaves as `real parent`). */
function keyPid(config: Pick<CollectorConfig, 'collectPid'>, childPid: number): number {
  // The child is ours: its real parent (and parent) is this process.
  return config.collectPid === 'all' ? childPid : process.pid;
}

/** `--self-test`: N segments created, attached, detached and removed by python3; bounds on the host chart and the app group's charts. */
export const shmSelfTest: SelfTest = {
  description: 'a python3 child creates, attaches, detaches and removes N System V shared memory segments',
  async run(context: SelfTestContext) {
    const { config, grouping, instance, scale, scratchDir } = context;
    const segments = shmSegments(scale);
    let held: HeldWorkload | undefined;
    try {
      const movement = await context.measure(async () => {
        held = await startShmWorkload(segments, scratchDir);
      });
      if (held === undefined) throw new WorkloadError('the shm workload did not start');
      checkShmReport(held.report, segments);
      // The child is still alive, so the PID table knows its group.
      const apps = effectiveAppsCgroups(config, instance.attachMode).apps ? [grouping.appOf(keyPid(config, held.pid)) ?? 'other'] : [];
      return { movement, expectations: shmExpectations(segments, enabledSyscalls(config), apps) };
    } finally {
      await held?.release();
    }
  },
};
