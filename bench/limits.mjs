/**
 * The runner behind call-limits.mjs and event-limits.mjs: what one collector
 * adds per counted event against the cheapest minimal programs that get the
 * same information on each hook type this kernel offers, and against
 * bpftrace doing the same count, in one run; and what it adds to a syscall
 * nobody hooks (getppid). A bench names its groups (one per collector) and
 * this file does the rest: build, interleaved rounds, rounds disturbed by
 * another BPF user run again, the table with goals and PASS/FAIL.
 *
 * A group:
 *   collector  the plugin's name for it (default: the group's key)
 *   source     bench/bpf/<source>.bpf.c, the minimal programs (built at bench time)
 *   loop       bench/bpf/<loop>.c, the workload: `<loop> OP N REPEAT CPU [ARGS...]` prints the fastest of
 *              REPEAT batches of N operations, in ns per operation (built with cc -O2; `loopLibs` to link)
 *   workload   OP; `loopArgs(work)` gives ARGS (a file the group set up, say)
 *   n          operations a batch when --n is not given (default 50000)
 *   unit       what one operation is, for the table ("syscall", "fork+exit+wait"...)
 *   what       the workload in words, with the events one operation causes
 *   accounting what the minimal programs account (the collector's accounting, no more)
 *   minimal    [{ hook, label, programs }]: each a configuration loading those programs of the object
 *   plugin     [{ label, env, mode, programs }]: the plugin with only this collector on (apps on, collect pid = all,
 *              return load mode, `mode` or tracepoint); `env` added to its environment, `programs` to its
 *              `[ebpf programs]` ({ 'network connections': 'yes' })
 *   bpftrace   the same count as a bpftrace script
 *   setup      optional async (work) => undefined | (async () => void) cleanup, before the first round
 *   check      optional (plugin run) => string | undefined: a note on what the plugin attached
 *
 * The goals of issue 12: counted at most 1.15x the cheapest minimal program and 0.5x bpftrace; a syscall no
 * one hooks at most what the group's minimal tracepoint programs add to it (1.00x).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createLoader } from '@ebpf-collectors/loader-native';
import {
  Disturbances,
  clkTck,
  EXIT_USAGE,
  EnvironmentError,
  findBpftrace,
  fmt,
  foreignBpfHolders,
  log,
  median,
  preflight,
  printTable,
  runLoop,
  singleCollectorConfig,
  sleep,
  startBpftrace,
  startPlugin,
} from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..');

export const GOAL_VS_MINIMAL = 1.15;
export const GOAL_VS_BPFTRACE = 0.5;
export const GOAL_UNHOOKED = 1.0;

/**
 * The cells of a counted row: `plus` (ns the configuration added) against the cheapest minimal program's and
 * bpftrace's (NaN: no bpftrace row), and whether both goals are met.
 */
export function countedCells(plus, cheapest, bpftraceAdded) {
  const rMin = plus / cheapest;
  const rB = plus / bpftraceAdded;
  return {
    vsMin: `${fmt(rMin)}x (<= ${GOAL_VS_MINIMAL}x)`,
    vsBpftrace: Number.isFinite(rB) ? `${fmt(rB)}x (<= ${GOAL_VS_BPFTRACE}x)` : '-',
    ok: rMin <= GOAL_VS_MINIMAL && (!Number.isFinite(rB) || rB <= GOAL_VS_BPFTRACE),
  };
}

/** The syscall no collector of the bench hooks, timed by bench/bpf/call_loop.c. */
const UNHOOKED = { loop: 'call_loop', op: 'getppid' };

/** The options every limits bench takes; `help` is printed after its own text. */
export const LIMITS_OPTIONS_HELP = (groups, defaults) => `Options:
  --collectors LIST   any of ${Object.keys(groups).join(', ')}, comma-separated (default ${defaults})
  --rounds N          interleaved rounds (default 5)
  --n N               operations per timed batch (default: each workload's own)
  --repeat N          batches per workload and round; the fastest counts (default 10)
  --cpu N             CPU the workload is pinned to (default 1)
  --retries N         rounds during which another process held BPF programs are run
                      again, up to N times in all (default 5; 0 keeps every round)
  --no-bpftrace       leave bpftrace out
  --help
`;

/**
 * Run a limits bench: `name` (for messages), `help` (its usage text), `groups`, `defaults` (the groups run
 * when --collectors is not given), `title` (the table's), `notes` (lines after the common ones).
 */
export async function runLimits({ name, help, groups, defaults, title, notes: extraNotes = [] }, argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      collectors: { type: 'string', default: defaults },
      rounds: { type: 'string', default: '5' },
      n: { type: 'string' },
      repeat: { type: 'string', default: '10' },
      cpu: { type: 'string', default: '1' },
      retries: { type: 'string', default: '5' },
      'no-bpftrace': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(help + LIMITS_OPTIONS_HELP(groups, defaults));
    return 0;
  }
  const usage = (message) => {
    process.stderr.write(`${name}: ${message} (see --help)\n`);
    return EXIT_USAGE;
  };
  if (!/^\d+$/.test(values.retries)) return usage(`--retries ${values.retries}: not a whole number`);
  for (const flag of ['rounds', 'n', 'repeat']) {
    if (values[flag] !== undefined && !/^[1-9]\d*$/.test(values[flag])) return usage(`--${flag} ${values[flag]}: not a positive integer`);
  }
  const retries = Number(values.retries);
  const [rounds, repeat, cpu] = [values.rounds, values.repeat, values.cpu].map(Number);
  if (!/^\d+$/.test(values.cpu) || cpu >= cpus().length) return usage(`--cpu ${values.cpu}: not a CPU of this machine (0-${cpus().length - 1})`);
  const collectors = values.collectors.split(',').map((c) => c.trim()).filter(Boolean);
  const unknown = collectors.filter((c) => !(c in groups));
  if (unknown.length || collectors.length === 0) {
    return usage(`--collectors ${values.collectors}: ${unknown.length ? unknown.join(', ') : 'empty'}: not one of ${Object.keys(groups).join(', ')}`);
  }
  preflight();
  const nOf = (group) => (values.n !== undefined ? Number(values.n) : (groups[group].n ?? 50000));

  const work = mkdtempSync(join(tmpdir(), `ebpfc-${name}-`));
  process.on('exit', () => rmSync(work, { recursive: true, force: true }));
  const objects = new Map();
  const loops = new Map([[UNHOOKED.loop, buildLoop(work, UNHOOKED.loop)]]);
  for (const group of collectors) {
    const g = groups[group];
    if (!objects.has(g.source)) objects.set(g.source, buildObject(work, g.source));
    if (!loops.has(g.loop)) loops.set(g.loop, buildLoop(work, g.loop, g.loopLibs));
  }
  const cleanups = [];
  process.on('exit', () => {
    for (const c of cleanups) c().catch?.(() => {});
  });
  const loopArgs = new Map();
  for (const group of collectors) {
    const g = groups[group];
    const cleanup = g.setup ? await g.setup(work) : undefined;
    if (cleanup) cleanups.push(cleanup);
    loopArgs.set(group, g.loopArgs ? g.loopArgs(work) : []);
  }
  const loader = createLoader();
  const bpftrace = values['no-bpftrace'] ? undefined : findBpftrace();
  const progsBefore = loadedPrograms();

  // A workload: what to run, and the key its samples go under.
  const hookedOf = (group) => ({ key: `${group}:${groups[group].workload}`, label: groups[group].workload, group, loop: loops.get(groups[group].loop), op: groups[group].workload, n: nOf(group), args: loopArgs.get(group) });
  const unhooked = { key: UNHOOKED.op, label: UNHOOKED.op, loop: loops.get(UNHOOKED.loop), op: UNHOOKED.op, n: values.n !== undefined ? Number(values.n) : 50000, args: [] };

  const configs = [{ name: 'baseline (nothing attached)', kind: 'baseline', group: undefined }];
  for (const group of collectors) {
    const g = groups[group];
    for (const m of g.minimal) configs.push({ name: `minimal ${m.label}`, kind: 'minimal', group, hook: m.hook, programs: m.programs, source: g.source });
    for (const p of g.plugin) configs.push({ name: `${group}, ${p.label}`, kind: 'plugin', group, env: p.env, mode: p.mode, programs: p.programs });
    if (bpftrace) configs.push({ name: `bpftrace ${bpftrace.version}`, kind: 'bpftrace', group, script: g.bpftrace });
  }
  const workloadsOf = (config) => (config.group ? [hookedOf(config.group), unhooked] : [...collectors.map(hookedOf), unhooked]);
  const samples = new Map(configs.map((c) => [c, new Map(workloadsOf(c).map((w) => [w.key, []]))]));
  const notes = new Map();

  log(`kernel ${release()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const w of workloadsOf(configs[0])) runLoop(w.loop, w.op, w.n, 2, cpu, w.args); // warm up, and check each workload runs
  let disturbances = new Disturbances();
  let children0 = childrenCpuSeconds();
  // A round during which another process held BPF programs (someone's plugin started outside the lock: its
  // hooks slow what they hook, baseline included) is run again, up to --retries more rounds.
  let discarded = 0;
  for (let round = 1; round <= rounds; ) {
    const taken = new Map();
    let foreign = false;
    for (const config of configs) {
      // Between configurations nothing of ours is attached: any BPF holder now is someone else's.
      foreign = foreignBpfHolders().length > 0 || foreign;
      disturbances.check();
      const attached = await attach(config, { loader, objects, work, groups });
      try {
        if (attached.note) notes.set(`${config.group}: ${config.name}`, attached.note);
        const parts = [];
        const got = new Map();
        for (const w of workloadsOf(config)) {
          const ns = runLoop(w.loop, w.op, w.n, repeat, cpu, w.args);
          got.set(w.key, ns);
          parts.push(`${w.label} ${ns.toFixed(1)}`);
        }
        taken.set(config, got);
        log(`round ${round}/${rounds} ${config.group ? `${config.group}: ` : ''}${config.name}: ns/op ${parts.join(', ')}`);
      } finally {
        await attached.detach();
      }
    }
    foreign = foreignBpfHolders().length > 0 || foreign;
    if (foreign && discarded < retries) {
      discarded++;
      log(`round ${round}/${rounds}: another process held BPF programs during it; discarded, running it again (${discarded}/${retries})`);
      // The notes on other load and BPF users speak of the rounds from here on, not of the discarded ones.
      disturbances = new Disturbances();
      children0 = childrenCpuSeconds();
      continue;
    }
    for (const [config, got] of taken) for (const [w, ns] of got) samples.get(config).get(w).push(ns);
    round++;
  }
  const progsAfter = await settledPrograms(progsBefore);
  // The workloads, the plugins and bpftrace are ours: only the rest is other load.
  disturbances.addOwnCpu(childrenCpuSeconds() - children0);
  for (const c of cleanups.splice(0)) await c();

  // The goals are checked on the fastest round of each configuration against the fastest baseline round (the
  // least disturbed on a shared host); the median of per-round differences is beside it.
  const base = samples.get(configs[0]);
  const fastest = (config, w) => Math.min(...samples.get(config).get(w));
  const added = (config, w) => fastest(config, w) - Math.min(...base.get(w));
  const addedMedian = (config, w) => median(samples.get(config).get(w).map((v, i) => v - base.get(w)[i]));
  const rows = [];
  const verdicts = [];
  for (const group of collectors) {
    const own = configs.filter((c) => c.group === group);
    const minimal = own.filter((c) => c.kind === 'minimal');
    const tracepointMinimal = minimal.find((c) => c.hook === 'tracepoint') ?? minimal[0];
    const bpftraceConfig = own.find((c) => c.kind === 'bpftrace');
    for (const w of [hookedOf(group), unhooked]) {
      const hooked = w !== unhooked;
      const cheapest = Math.min(...minimal.map((c) => added(c, w.key)));
      const cheapestHook = minimal.find((c) => added(c, w.key) === cheapest)?.hook;
      const bpftraceAdded = bpftraceConfig ? added(bpftraceConfig, w.key) : NaN;
      const unhookedRef = added(tracepointMinimal, unhooked.key);
      const label = `${group}: ${w.label}`;
      rows.push([label, configs[0].name, fmt(Math.min(...base.get(w.key)), 1), '-', '-', '-', '-', '-', '-']);
      for (const config of own) {
        const plus = added(config, w.key);
        let vsMin = '-';
        let vsBpftrace = '-';
        let verdict = '-';
        if (hooked) {
          const cells = countedCells(plus, cheapest, bpftraceAdded);
          ({ vsMin, vsBpftrace } = cells);
          if (config.kind === 'plugin') {
            verdict = cells.ok ? 'PASS' : 'FAIL';
            verdicts.push(cells.ok);
          }
        } else {
          // A reference at or below 0 (noise: the tracepoints added nothing measurable) has no meaningful ratio.
          vsMin =
            unhookedRef > 0
              ? `${fmt(plus / unhookedRef)}x of ${tracepointMinimal.hook} (<= ${GOAL_UNHOOKED.toFixed(2)}x)`
              : `${tracepointMinimal.hook} +${fmt(unhookedRef, 1)} ns: no ratio`;
          if (config.kind === 'plugin') {
            const ok = plus <= unhookedRef * GOAL_UNHOOKED || plus <= 0;
            verdict = ok ? 'PASS' : 'FAIL';
            verdicts.push(ok);
          }
        }
        rows.push([label, config.name, fmt(fastest(config, w.key), 1), fmt(plus, 1), fmt(addedMedian(config, w.key), 1), hooked ? 'counted' : 'not hooked', vsMin, vsBpftrace, verdict]);
      }
      if (hooked) rows.push(['', `(cheapest minimal for ${w.label}: ${cheapestHook}, +${fmt(cheapest, 1)} ns)`, '', '', '', '', '', '', '']);
    }
  }
  const leftover = progsAfter - progsBefore;
  printTable(
    `${title} (${new Date().toISOString()})`,
    ['workload', 'configuration', 'ns/op', '+ns', '+ns median', 'hooked?', 'vs cheapest minimal / unhooked goal', 'vs bpftrace', 'goal'],
    rows,
    [
      `kernel ${release()}, ${cpus().length} CPUs, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; workload pinned to CPU ${cpu}, fastest of ${repeat} batches per round, ${rounds} interleaved rounds.`,
      'ns/op and +ns: fastest round of the configuration, and that minus the fastest baseline round; ratios and goals use these. +ns median: median over rounds of (configuration - baseline of the same round), for the spread.',
      'Workloads (operations a batch): ' +
        collectors.map((c) => `${groups[c].workload} = ${groups[c].what} (${nOf(c)})`).join('; ') +
        `; ${UNHOOKED.op} = hooked by none of them (${unhooked.n}).`,
      'Minimal programs do what the collector accounts and no more: ' + collectors.map((c) => `${c}: ${groups[c].accounting}`).join('; ') + '.',
      'Counted rows: ratio to the cheapest minimal program of that collector, and to bpftrace counting the same on the same hooks. getppid rows: ratio to what the minimal tracepoint programs of that collector add to it.',
      ...extraNotes,
      ...[...notes].map(([config, note]) => `${config}: ${note}`),
      ...(discarded ? [`${discarded} round(s) discarded and run again: another process held BPF programs during them (the next two lines speak of the rounds after the last one discarded).`] : []),
      ...disturbances.notes(),
      `BPF programs loaded on the machine before the run ${progsBefore}, after ${progsAfter}${leftover === 0 ? ' (nothing left behind)' : leftover < 0 ? ' (another process unloaded its own meanwhile)' : ` (WARNING: ${leftover} more; another process's if the warning above names one)`}; minimal programs left: ${minimalProgramsLeft(groups)}.`,
      `Goals met: ${verdicts.filter(Boolean).length}/${verdicts.length}.`,
    ],
  );
  return 0;
}

/** Build bench/bpf/<source>.bpf.c into `work`; the object's path. */
export function buildObject(work, source) {
  try {
    execFileSync(process.execPath, [join(REPO, 'bpf/build.mjs'), source, '--src-dir', join(HERE, 'bpf'), '--out', work, '--no-ts', '--quiet'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    throw new EnvironmentError(`cannot build bench/bpf/${source}.bpf.c: ${String(err.stderr ?? err.message).trim()}`);
  }
  return join(work, `${source}.bpf.o`);
}

/** Build the workload bench/bpf/<loop>.c into `work`; the binary's path. */
export function buildLoop(work, loop, libs = []) {
  const out = join(work, loop);
  const cc = process.env.CC || 'cc';
  try {
    execFileSync(cc, ['-O2', '-Wall', '-o', out, join(HERE, `bpf/${loop}.c`), ...libs], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new EnvironmentError(`cannot build bench/bpf/${loop}.c with ${cc}: ${String(err.stderr ?? err.message).trim()} (apt-get install gcc)`);
  }
  return out;
}

/** CPU time of this process's children that have exited and been waited for (cutime + cstime), in seconds. */
function childrenCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3; cutime is field 16, cstime field 17 (clock ticks).
  return (Number(fields[16 - 3]) + Number(fields[17 - 3])) / clkTck();
}

/** BPF programs loaded on the machine now (everyone's). */
function loadedPrograms() {
  return listPrograms().length;
}

function listPrograms() {
  try {
    return JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  } catch (err) {
    throw new EnvironmentError(`cannot list BPF programs with bpftool: ${err.message} (apt-get install bpftool)`);
  }
}

/** Loaded programs named as one of the groups' minimal programs (the kernel keeps 15 characters of a name). */
function minimalProgramsLeft(groups) {
  const names = new Set(Object.values(groups).flatMap((g) => g.minimal.flatMap((m) => m.programs.map((p) => p.slice(0, 15)))));
  return listPrograms().filter((p) => names.has(p.name)).length;
}

/** The BPF links `pid` holds, by type from their fdinfo (`perf_event x3`, `tracing x1`...): which hook it took. */
export function linksOf(pid) {
  const kinds = new Map();
  let fds;
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    return `unknown (${err.message})`;
  }
  for (const fd of fds) {
    try {
      if (!/bpf[-_]link/.test(readlinkSync(`/proc/${pid}/fd/${fd}`))) continue;
      const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      let type = /^link_type:\s*(\S+)/m.exec(info)?.[1] ?? '?';
      // tp_btf and raw_tp both attach through a raw_tracepoint link: the program's type tells them apart.
      if (type === 'raw_tracepoint') type = programType(/^prog_id:\s*(\d+)/m.exec(info)?.[1]) === 'tracing' ? 'tp_btf' : 'raw_tp';
      kinds.set(type, (kinds.get(type) ?? 0) + 1);
    } catch {
      /* closed meanwhile */
    }
  }
  return kinds.size ? [...kinds].map(([k, count]) => `${k} x${count}`).join(', ') : 'none seen';
}

/** The type bpftool gives program `id` (`tracing`, `raw_tracepoint`...), or undefined. */
function programType(id) {
  if (id === undefined) return undefined;
  try {
    return JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'id', id], { encoding: 'utf8' })).type;
  } catch {
    return undefined;
  }
}

/** Wait (up to 10 s: programs are freed after an RCU grace period) until at most `count` programs are loaded; the number then. */
async function settledPrograms(count) {
  let now = loadedPrograms();
  for (let i = 0; i < 100 && now > count; i++) {
    await sleep(100);
    now = loadedPrograms();
  }
  return now;
}

/** Load only `programs` of the object at `path` and attach them; `detach()` closes the object. */
export async function attachMinimal(loader, path, name, programs) {
  const spec = loader.openObject(path, { name });
  for (const p of spec.programs.values()) p.autoload = programs.includes(p.name);
  const loaded = await spec.load();
  try {
    for (const program of programs) loaded.program(program).attach();
  } catch (err) {
    loaded.close();
    throw err;
  }
  return { detach: async () => loaded.close() };
}

/** Attach one configuration; `detach()` undoes it. */
export async function attach(config, { loader, objects, work, groups }) {
  if (config.kind === 'baseline') return { detach: async () => {} };
  if (config.kind === 'minimal') return attachMinimal(loader, objects.get(config.source), config.source, config.programs);
  if (config.kind === 'plugin') {
    const g = groups[config.group];
    const c = g.collector ?? config.group;
    const mode = config.mode ?? 'tracepoint';
    const args = ['1', '--collectors', c, '--duration', '600', '--config-dir', singleCollectorConfig(work, c, mode, { programs: config.programs }), '--mode', mode];
    const plugin = await startPlugin(args, { expect: [c], env: config.env, timeoutMs: 120_000 });
    await sleep(300);
    const extra = g.check?.(plugin);
    return { note: `${plugin.modes[c]} mode, links ${linksOf(plugin.pid)}${extra ? `; ${extra}` : ''}`, detach: () => plugin.stop(60_000) };
  }
  // bpftrace: attached once it says so on stdout.
  return startBpftrace(config.script, 120_000);
}
