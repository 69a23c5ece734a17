/**
 * The oomkill group of bench/event-limits.mjs: what the oomkill collector
 * (the oom/mark_victim tracepoint; apps on, collect pid = all) adds per OOM
 * kill, against minimal programs keeping the same victim record on each hook
 * type (bench/bpf/oomkill_limits.bpf.c) and bpftrace counting kills per victim,
 * on children OOM-killed one after the other in a memory cgroup of the bench's
 * own with a 4 MiB limit (bench/bpf/oomkill_loop.c).
 *
 * Read its rows as a check that the collector attaches and that nothing it does
 * shows at this scale, not as a verdict: one kill costs about 9 ms of CPU here
 * (fork, faulting in the limit, the OOM report, which the kernel also prints on
 * the serial console, exit) and varies by a millisecond from batch to batch,
 * while a program's run takes about 10 us (bpf_stats below: cold caches after
 * the kill, the same for bpftrace's bare count). The ratios and PASS/FAIL of
 * these rows are noise.
 *
 * What is readable is the programs' own run time: run directly,
 *
 *   flock /tmp/ebpfc-kernel.lock node bench/event-groups/oomkill.mjs [--kills 30] [--rounds 3] [--cpu 1]
 *
 * turns kernel.bpf_stats_enabled on (restored at exit), attaches each
 * configuration of the group in turn (minimal programs, the plugin, bpftrace),
 * causes --kills OOM kills and prints each configuration's run_time_ns / run_cnt
 * of its mark_victim programs (the lowest of --rounds): the program body
 * alone, without the hook's dispatch (the perf-event tracepoint's record,
 * the raw tracepoint's call), which differs by hook type and is not in it.
 * About 10 us a run here for every configuration, bpftrace's bare count
 * included: the run comes right after the kill's OOM report, so cold caches
 * and TLBs (and any interrupt taken meanwhile) are in it, more than the
 * accounting itself.
 *
 * The cgroup: a child of the root of the memory controller's hierarchy (v1
 * `memory` mount, or cgroup2 when its root delegates `memory`), made in setup
 * with its limit (and no swap), emptied by the loop (its children are dead
 * when it returns) and removed at the end, also when the bench exits early.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createLoader } from '@ebpf-collectors/loader-native';
import { findBpftrace, fmt, log, preflight, printTable, runLoop, runMain } from '../lib.mjs';
import { attach, buildLoop, buildObject } from '../limits.mjs';

/** The cgroup's memory limit: the child is killed after faulting in about this much. */
const LIMIT_BYTES = 4 * 1024 * 1024;

/** The cgroup the loop puts its children in (set by setup). */
let cgroupDir;

/** Where the memory controller is: `{ version, root }`, or a message saying why it cannot be used. */
function memoryHierarchy() {
  let v2;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 0 || fields[3] !== '/') continue;
    const [type, , options = ''] = fields.slice(dash + 1);
    if (type === 'cgroup' && options.split(',').includes('memory')) return { version: 1, root: fields[4] };
    if (type === 'cgroup2') v2 ??= fields[4];
  }
  if (v2) {
    let delegated = '';
    try {
      delegated = readFileSync(join(v2, 'cgroup.subtree_control'), 'utf8');
    } catch {
      /* reported below */
    }
    if (delegated.split(/\s+/).includes('memory')) return { version: 2, root: v2 };
    return `the cgroup2 root ${v2} does not delegate the memory controller (cgroup.subtree_control: "${delegated.trim()}"); the bench does not change it: echo +memory > ${v2}/cgroup.subtree_control, or leave oomkill out (--collectors)`;
  }
  return 'no memory cgroup hierarchy is mounted (neither a v1 memory mount nor cgroup2): leave oomkill out (--collectors)';
}

/** Remove the cgroup (its children are dead by then); a message when it cannot. */
function removeCgroup(dir) {
  try {
    rmdirSync(dir);
  } catch (err) {
    if (err.code !== 'ENOENT') process.stderr.write(`oomkill bench: cannot remove cgroup ${dir}: ${err.message}; remove it with rmdir\n`);
  }
}

export const group = {
  source: 'oomkill_limits',
  loop: 'oomkill_loop',
  workload: 'oomkill',
  n: 3,
  unit: 'fork+OOM kill+wait',
  what:
    `fork(2) of a child that joins a memory cgroup of the bench's own (limit ${LIMIT_BYTES >> 20} MiB) and touches memory until the cgroup's OOM killer kills it, then wait(2); ` +
    'timed as the parent thread\'s plus the children\'s CPU time; 1 oom/mark_victim an operation, in the victim\'s context. ' +
    'One kill costs about 9 ms of CPU here (the OOM report goes to the serial console), varying by ~1 ms between batches, a program run ~10 us (node bench/event-groups/oomkill.mjs measures that): these rows check that each configuration attaches and costs nothing visible; their ratios and PASS/FAIL are noise',
  accounting:
    'kills in a per-CPU lane; per victim PID a record in a 64-entry hash (atomic add of kills when present; else comm, real parent and 5 cgroup ids of the current task when it is the victim, or the event\'s comm; NOEXIST insert; the lost lane when full)',
  minimal: [
    { hook: 'tracepoint', label: 'tracepoint/oom/mark_victim', programs: ['oom_tp'] },
    { hook: 'raw_tp', label: 'raw_tp/mark_victim', programs: ['oom_raw'] },
    { hook: 'tp_btf', label: 'tp_btf/mark_victim', programs: ['oom_btf'] },
  ],
  plugin: [{ label: 'tp_btf (every mode, as it ships)' }],
  bpftrace: 'tracepoint:oom:mark_victim { @kills = count(); @victim[args->pid, str(args->comm)] = count(); }',
  async setup() {
    const hierarchy = memoryHierarchy();
    if (typeof hierarchy === 'string') throw new Error(`oomkill: ${hierarchy}`);
    const dir = join(hierarchy.root, `ebpfc-bench-oomkill-${process.pid}`);
    mkdirSync(dir);
    cgroupDir = dir;
    try {
      if (hierarchy.version === 2) {
        writeFileSync(join(dir, 'memory.max'), String(LIMIT_BYTES));
        writeFileSync(join(dir, 'memory.swap.max'), '0');
      } else {
        writeFileSync(join(dir, 'memory.limit_in_bytes'), String(LIMIT_BYTES));
        // No swap either way; memsw exists only with swap accounting.
        try {
          writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(LIMIT_BYTES));
        } catch {
          /* no swap accounting */
        }
      }
    } catch (err) {
      removeCgroup(dir);
      throw new Error(`oomkill: cannot set the memory limit of ${dir}: ${err.message}`);
    }
    // Synchronous, so that it also runs from the runner's exit handler.
    return async () => removeCgroup(dir);
  },
  loopArgs: () => [cgroupDir],
};

/** Loaded programs whose name says mark_victim's (oom_*, tracepoint_oom_*, bpftrace's mark_victim), by id. */
function oomPrograms() {
  const all = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  return new Map(all.filter((p) => /oom|mark_victim/.test(p.name ?? '')).map((p) => [p.id, p]));
}

/** run_time_ns / run_cnt of each configuration's mark_victim programs, with kernel.bpf_stats_enabled on. */
async function bodyCosts(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { kills: { type: 'string', default: '30' }, rounds: { type: 'string', default: '3' }, cpu: { type: 'string', default: '1' } },
  });
  const [kills, rounds] = [values.kills, values.rounds].map(Number);
  if (!(kills > 0 && rounds > 0)) throw new Error('--kills and --rounds must be positive');
  preflight();
  const work = mkdtempSync(join(tmpdir(), 'ebpfc-oomkill-stats-'));
  const statsFile = '/proc/sys/kernel/bpf_stats_enabled';
  const statsWas = readFileSync(statsFile, 'utf8').trim();
  let cleanup;
  process.on('exit', () => {
    writeFileSync(statsFile, statsWas);
    cleanup?.();
    rmSync(work, { recursive: true, force: true });
  });
  const objects = new Map([[group.source, buildObject(work, group.source)]]);
  const loop = buildLoop(work, group.loop);
  cleanup = await group.setup(work);
  const loader = createLoader();
  const bpftrace = findBpftrace();
  const configs = [
    ...group.minimal.map((m) => ({ name: `minimal ${m.label}`, kind: 'minimal', group: 'oomkill', programs: m.programs, source: group.source })),
    ...group.plugin.map((p) => ({ name: `oomkill, ${p.label}`, kind: 'plugin', group: 'oomkill', env: p.env, mode: p.mode })),
    ...(bpftrace ? [{ name: `bpftrace ${bpftrace.version}`, kind: 'bpftrace', group: 'oomkill', script: group.bpftrace }] : []),
  ];
  writeFileSync(statsFile, '1');
  const best = new Map();
  for (let round = 1; round <= rounds; round++) {
    for (const config of configs) {
      const before = oomPrograms();
      const attached = await attach(config, { loader, objects, work, groups: { oomkill: group } });
      try {
        const mine = [...oomPrograms().values()].filter((p) => !before.has(p.id));
        if (mine.length === 0) throw new Error(`${config.name}: no mark_victim program appeared`);
        runLoop(loop, group.workload, kills, 1, Number(values.cpu), [cgroupDir]);
        const now = oomPrograms();
        const runs = mine.reduce((sum, p) => sum + (now.get(p.id)?.run_cnt ?? 0), 0);
        const ns = mine.reduce((sum, p) => sum + (now.get(p.id)?.run_time_ns ?? 0), 0);
        const row = { programs: mine.map((p) => `${p.name} (${p.type})`).join(', '), runs, perRun: ns / runs };
        log(`round ${round}/${rounds} ${config.name}: ${runs} runs, ${fmt(row.perRun, 0)} ns a run`);
        if (!best.has(config) || row.perRun < best.get(config).perRun) best.set(config, row);
      } finally {
        await attached.detach();
      }
    }
  }
  // One kill is checked first, then --kills more: each program must have run once a kill.
  printTable(
    `oomkill: mark_victim program bodies, kernel.bpf_stats_enabled (${new Date().toISOString()})`,
    ['configuration', 'programs', 'runs', 'ns a run'],
    configs.map((c) => [c.name, best.get(c).programs, best.get(c).runs, fmt(best.get(c).perRun, 0)]),
    [
      `${kills + 1} OOM kills per configuration and round (1 checked, ${kills} timed by the loop), lowest of ${rounds} rounds; runs should be ${kills + 1}.`,
      'ns a run = run_time_ns / run_cnt: the program body only; the hook\'s own dispatch (perf-event record for tracepoint/, raw tracepoint call for raw_tp and tp_btf) is not in it.',
    ],
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('oomkill-bodies', bodyCosts);
