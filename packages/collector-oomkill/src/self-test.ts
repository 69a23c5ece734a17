/**
 * The oomkill collector's self-test: one OOM kill of a hog alone in its own
 * memory cgroup (see `workload.ts`), and the charts that must show it.
 */
import type { SelfTest, SelfTestContext, SelfTestExpectation } from '@ebpf-collectors/core';
import { appsGroupsOfGrouping } from './groups.js';
import { CGROUP_DIMENSION, CHART_ID, OTHER } from './metrics.js';
import { HOG_COMM, removeHogCgroup, runOomHog, type HogResult } from './workload.js';

/** The app group a hog started by this process lands in: its own match, else ours. */
export function expectedHogApp(context: Pick<SelfTestContext, 'grouping'>, comm = HOG_COMM): string {
  return appsGroupsOfGrouping(context.grouping)?.match(comm) ?? context.grouping.appOf(process.pid) ?? OTHER;
}

/** Lower bounds for one OOM-killed hog. */
export function oomkillExpectations(hog: HogResult, app: string | undefined, cgroups: boolean): SelfTestExpectation[] {
  const out: SelfTestExpectation[] = [];
  // One process was killed: the charts count processes picked (mark_victim), while the kernel's
  // oom_kill counters count kill actions (a group kill hits its first victim twice).
  const why = `${HOG_COMM} (pid ${hog.pid}) OOM-killed in memory cgroup ${hog.cgroupPath}`;
  if (app !== undefined) out.push({ chart: `apps.${CHART_ID}`, dimension: app, atLeast: 1n, why });
  if (cgroups && hog.cgroupName !== undefined) {
    out.push({ chart: `cgroup_${hog.cgroupName}.${CHART_ID}`, dimension: CGROUP_DIMENSION, atLeast: 1n, why });
  }
  return out;
}

/** `--self-test`: a hog in a 32 MiB memory cgroup is OOM-killed; `apps.oomkills` (and `cgroup_<name>.oomkills`) count it. */
export const oomkillSelfTest: SelfTest = {
  description: `a perl hog (${HOG_COMM}) alone in a new 32 MiB memory cgroup asks for 256 MiB and is OOM-killed; nothing else may be`,
  async run(context: SelfTestContext) {
    const { config, scratchDir } = context;
    let hog: HogResult | undefined;
    try {
      const movement = await context.measure(async () => {
        hog = await runOomHog(scratchDir);
      });
      if (hog === undefined) throw new Error('the OOM workload did not run');
      const app = config.apps ? expectedHogApp(context) : undefined;
      return { movement, expectations: oomkillExpectations(hog, app, config.cgroups) };
    } finally {
      if (hog !== undefined) removeHogCgroup(hog);
    }
  },
};
