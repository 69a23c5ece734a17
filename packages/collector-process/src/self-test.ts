/**
 * The process collector's self-test (`ebpf.plugin --self-test`, the VM
 * lane's attach-mode matrix, and this package's kernel test, which runs it
 * and adds stronger checks): the workload of `workload.ts` and the lower
 * bounds it must leave on the host charts, the apps charts of the groups its
 * events are counted for, and (return mode) the error charts.
 */
import type {
  ChartMovement,
  CollectPid,
  ProcessGrouping,
  SelfTest,
  SelfTestContext,
  SelfTestExpectation,
} from '@ebpf-collectors/core';
import { checkExpectations, effectiveAppsCgroups } from '@ebpf-collectors/core';
import { ProcessWorkloadError } from './errors.js';
import { DIM, GROUP_METRICS, SYSTEM_CHART, TYPE_APPS, TYPE_SYSTEM, type GroupMetricKey } from './metrics.js';
import {
  processWorkloadSize,
  startProcessWorkload,
  type ProcessWorkload,
  type ProcessWorkloadOptions,
  type ProcessWorkloadRun,
  type ProcessWorkloadSize,
} from './workload.js';

const PROCESS_THREAD = `${TYPE_SYSTEM}.${SYSTEM_CHART.processThread.id}`;
const EXIT = `${TYPE_SYSTEM}.${SYSTEM_CHART.exit.id}`;
const TASK_ERROR = `${TYPE_SYSTEM}.${SYSTEM_CHART.taskError.id}`;

/** `apps.<id>` of a per-group metric. */
function appsChart(key: GroupMetricKey): string {
  return `${TYPE_APPS}.${GROUP_METRICS.find((m) => m.key === key)!.id}`;
}

/**
 * The PID an event of `actor` is counted for: the tgid of its real parent
 * (`real parent`, `parent` and `not set`; the workload's children are not
 * traced, so parent and real parent agree), or its own (`all`).
 */
export function workloadKeyPid(collectPid: CollectPid, actor: number, parentPid: number): number {
  return collectPid === 'all' ? actor : parentPid;
}

/** The app group each kind of workload event is counted for. */
export interface ProcessWorkloadGroups {
  /** Forks of the forker (`apps.process_create`). */
  readonly forks: string;
  /**
   * Thread starts, exits and releases (`apps.thread_create`, `task_exit`,
   * `task_close`): a thread's real parent is its process's real parent, so
   * every one has the key of the threader's own events.
   */
  readonly threads: string;
  /**
   * Exits and releases of the forked subshells: the forker's group (their
   * real parent). Absent with `collect pid = all`, where each subshell is
   * its own key and is gone before any scan could place it.
   */
  readonly forkExits?: string;
  /** Failed clones (`apps.task_error`), when the workload made some. */
  readonly errors?: string;
}

/**
 * Where the process table placed the keys of a workload's events. Call after
 * a scan made while the children still waited (`measure()` does one).
 *
 * @throws ProcessWorkloadError `EWORKLOAD` when the table does not know a key: it was not alive at the scan
 */
export function processWorkloadGroups(
  run: ProcessWorkloadRun,
  collectPid: CollectPid,
  grouping: Pick<ProcessGrouping, 'appOf'>,
): ProcessWorkloadGroups {
  /** The group of `pid`, which was alive at the scan. */
  const placed = (pid: number, what: string): string => {
    const group = grouping.appOf(pid);
    if (group === undefined) {
      throw new ProcessWorkloadError(`process workload: the process scan does not know PID ${pid}, the key of the ${what}`, 'EWORKLOAD');
    }
    return group;
  };
  const ran = (pid: number | undefined, what: string): number => {
    if (pid === undefined) throw new ProcessWorkloadError(`process workload: the ${what} did not run`, 'EWORKLOAD');
    return pid;
  };
  const keyOf = (actor: number) => workloadKeyPid(collectPid, actor, run.parentPid);
  const { forker, threader, failer } = run.pids;
  return {
    forks: placed(keyOf(ran(forker, 'forker')), 'forks'),
    threads: placed(keyOf(ran(threader, 'threader')), 'threads'),
    // The subshells' real parent is the forker itself.
    ...(collectPid !== 'all' ? { forkExits: placed(ran(forker, 'forker'), 'subshell exits') } : {}),
    ...(run.processErrors + run.threadErrors > 0 ? { errors: placed(keyOf(ran(failer, 'failer')), 'failed clones') } : {}),
  };
}

/** Share of the workload's task releases the bounds ask for (see {@link processExpectations}). */
export const RELEASE_SHARE = 0.98;

/** What {@link processExpectations} depends on besides the workload. */
export interface ProcessExpectationOptions {
  /** `ebpf load mode = return`: the error charts exist and must show the failed clones. */
  readonly returnMode: boolean;
  /** Where the events were counted, when apps charts are on; absent: no apps expectations. */
  readonly groups?: ProcessWorkloadGroups;
}

/**
 * The lower bounds a finished workload must leave:
 * - `system.process_thread`: `_do_fork` >= forks, `sys_clone` >= threads;
 * - `system.exit`: `do_exit` >= forks + threads, `release_task` >= 98% of
 *   that (both move by raw counts: the -1 multiplier of `release_task` only
 *   draws it);
 * - return mode, `system.task_error`: `_do_fork` >= process errors,
 *   `sys_clone` >= thread errors;
 * - with groups: `apps.process_create` >= forks and `apps.thread_create` >=
 *   threads in their keys' groups, `apps.task_exit` and `apps.task_close` >=
 *   the exits each group's keys had, and in return mode `apps.task_error` >=
 *   all failed clones. Bounds for the same dimension add up.
 */
export function processExpectations(run: ProcessWorkloadSize, options: ProcessExpectationOptions): SelfTestExpectation[] {
  const bounds = new Map<string, SelfTestExpectation>();
  const add = (chart: string, dimension: string, n: number, why: string): void => {
    if (n <= 0) return;
    const key = `${chart}.${dimension}`;
    const earlier = bounds.get(key);
    bounds.set(
      key,
      earlier === undefined
        ? { chart, dimension, atLeast: BigInt(n), why }
        : { chart, dimension, atLeast: earlier.atLeast + BigInt(n), why: `${earlier.why}; ${why}` },
    );
  };
  const forks = `${run.forks} forked subshells`;
  const threads = `${run.threads} worker threads`;
  // Releases are reported from an RCU callback after the task is gone. Under
  // parallel load a few (at most 5 of 350 seen, in about one run in five) were
  // still missing from the window even after a 12 s wait with rcu_barrier,
  // while creations and exits were exact; the cause is not found yet, so
  // release bounds ask for 98% (rounded up) instead of all.
  const released = (n: number) => Math.ceil(n * RELEASE_SHARE);
  add(PROCESS_THREAD, DIM.fork.id, run.forks, forks);
  add(PROCESS_THREAD, DIM.clone.id, run.threads, threads);
  add(EXIT, DIM.exit.id, run.forks + run.threads, `${forks} and ${threads} exited`);
  add(EXIT, DIM.release.id, released(run.forks + run.threads), `${forks} reaped and ${threads} released (98%)`);
  if (options.returnMode) {
    add(TASK_ERROR, DIM.fork.id, run.processErrors, `${run.processErrors} clone calls for a process refused with EINVAL`);
    add(TASK_ERROR, DIM.clone.id, run.threadErrors, `${run.threadErrors} clone calls for a thread refused with EINVAL`);
  }
  const groups = options.groups;
  if (groups !== undefined) {
    add(appsChart('processCreate'), groups.forks, run.forks, forks);
    add(appsChart('threadCreate'), groups.threads, run.threads, threads);
    add(appsChart('taskExit'), groups.threads, run.threads, `${threads} exited`);
    add(appsChart('taskClose'), groups.threads, released(run.threads), `${threads} released (98%)`);
    if (groups.forkExits !== undefined) {
      add(appsChart('taskExit'), groups.forkExits, run.forks, `${forks} exited`);
      add(appsChart('taskClose'), groups.forkExits, released(run.forks), `${forks} reaped (98%)`);
    }
    if (options.returnMode && groups.errors !== undefined) {
      add(appsChart('taskError'), groups.errors, run.processErrors + run.threadErrors, `${run.processErrors + run.threadErrors} refused clone calls`);
    }
  }
  return [...bounds.values()];
}

/**
 * Run the workload inside `context.measure()`: its children are started in
 * the measured window and released only after `measure()` rescanned and
 * collected, so every key of their events is alive at that scan. The
 * process table keeps what that scan found until the next one, so
 * {@link processWorkloadGroups} can be asked afterwards.
 *
 * @throws ProcessWorkloadError when the workload fails
 */
export async function runProcessWorkload(
  context: Pick<SelfTestContext, 'measure'>,
  size: ProcessWorkloadSize,
  options: ProcessWorkloadOptions & {
    /**
     * The bounds the run must meet: measure() keeps reading while they are
     * not met yet, for the releases the kernel reports late (lazy RCU).
     */
    readonly expectations?: (run: ProcessWorkloadRun) => SelfTestExpectation[];
  } = {},
): Promise<{ movement: ChartMovement; run: ProcessWorkloadRun }> {
  // Filled in by the callback that measure() runs.
  const state: { workload?: ProcessWorkload; run?: ProcessWorkloadRun } = {};
  const expectations = options.expectations;
  const met = expectations
    ? (movement: ChartMovement) => state.run === undefined || checkExpectations(movement, expectations(state.run)).every((c) => c.ok)
    : undefined;
  try {
    const movement = await context.measure(async () => {
      state.workload = startProcessWorkload(size, options);
      state.run = await state.workload.done;
    }, met);
    if (state.run === undefined) throw new ProcessWorkloadError('process workload: measure() did not run it', 'EWORKLOAD');
    return { movement, run: state.run };
  } finally {
    await state.workload?.close();
  }
}

/**
 * The self-test: {@link processWorkloadSize} at `context.scale` (failing
 * clones in return mode only), run by {@link runProcessWorkload}, checked
 * against {@link processExpectations}. Apps bounds are set when apps charts
 * are on in the attached mode.
 */
export const processSelfTest: SelfTest = {
  description:
    'children of the plugin fork subshells, start worker threads and (return mode) make clone calls the kernel refuses: ' +
    'process, thread, exit, release and error counts on the system and apps charts',
  async run(context: SelfTestContext) {
    const returnMode = context.config.loadMode === 'return';
    const size = processWorkloadSize(context.scale, { errors: returnMode });
    const apps = effectiveAppsCgroups(context.config, context.instance.attachMode).apps;
    const expectations = (run: ProcessWorkloadRun) => {
      const groups = apps ? processWorkloadGroups(run, context.config.collectPid, context.grouping) : undefined;
      return processExpectations(run, { returnMode, ...(groups ? { groups } : {}) });
    };
    const { movement, run } = await runProcessWorkload(context, size, { expectations });
    return { movement, expectations: expectations(run) };
  },
};
