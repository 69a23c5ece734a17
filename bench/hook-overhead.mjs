#!/usr/bin/env node
/**
 * hook-overhead: what the collectors' BPF programs add to every traced
 * event, seen from the process that makes the events.
 *
 * A syscall-heavy workload runs in this process with no collector attached
 * (the baseline), then with each collector attached on its own by the real
 * plugin binary running in the background, then with all of them together.
 * Configurations are interleaved round by round (baseline, process, vfs, ...,
 * baseline, process, ...) so slow drift hits every configuration alike; each
 * figure is the median over the rounds.
 *
 * Workloads (each op is one unit of the "+ns/op" column):
 *   write       1-byte fs.writeSync to /dev/null           (1 syscall per op)
 *   open+close  fs.openSync + fs.closeSync of /dev/null    (2 syscalls per op: ns are per syscall)
 *   spawn       child_process.spawnSync('/bin/true')       (1 process per op: fork, exec, exit)
 *
 * Usage: node bench/hook-overhead.mjs [--rounds 5] [--repeat 3] [--collectors process,vfs,fd,socket]
 *                                     [--writes 200000] [--opens 50000] [--spawns 100] [--apps]
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import {
  ALL_COLLECTORS,
  Disturbances,
  EXIT_USAGE,
  fmt,
  log,
  makeConfigDir,
  median,
  preflight,
  printTable,
  procCpuSeconds,
  ratio,
  removeDir,
  runMain,
  sleep,
  startPlugin,
} from './lib.mjs';

const HELP = `Usage: node bench/hook-overhead.mjs [options]

Per-event cost of the collectors' BPF programs: a syscall-heavy workload is
timed with no collector (baseline), with each collector attached on its own
(the plugin binary in the background), and with all of them at once.

Options:
  --collectors LIST   collectors to measure one by one and then together
                      (default process,vfs,fd,socket)
  --rounds N          interleaved rounds; figures are medians over rounds (default 5)
  --repeat N          runs of each syscall workload per round, the fastest kept (default 3)
  --writes N          write syscalls per round (default 200000)
  --opens N           open+close pairs per round (default 50000)
  --spawns N          /bin/true processes per round, run once per round; 0 to skip (default 100)
  --apps              run the plugin with a user config that turns apps charts on
                      (per-PID tables updated on every event; update every = 1).
                      Default: the stock config, as "ebpf.plugin 1 --collectors NAME"
  --help
`;

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      collectors: { type: 'string', default: 'process,vfs,fd,socket' },
      rounds: { type: 'string', default: '5' },
      repeat: { type: 'string', default: '3' },
      writes: { type: 'string', default: '200000' },
      opens: { type: 'string', default: '50000' },
      spawns: { type: 'string', default: '100' },
      apps: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const collectors = values.collectors.split(',').filter(Boolean);
  const rounds = Number(values.rounds);
  const repeat = Number(values.repeat);
  const writes = Number(values.writes);
  const opens = Number(values.opens);
  const spawns = Number(values.spawns);
  if (![rounds, repeat, writes, opens].every((n) => Number.isInteger(n) && n > 0) || !(Number.isInteger(spawns) && spawns >= 0) || !collectors.length) {
    process.stderr.write(`hook-overhead: bad option value\n${HELP}`);
    return EXIT_USAGE;
  }
  const unknown = collectors.filter((c) => !ALL_COLLECTORS.includes(c));
  if (unknown.length) {
    process.stderr.write(`hook-overhead: unknown collectors ${unknown.join(', ')} (known: ${ALL_COLLECTORS.join(', ')})\n`);
    return EXIT_USAGE;
  }
  preflight();

  const workloads = [
    { name: 'write', unit: 'write syscall', ops: writes, syscallsPerOp: 1, repeat, run: () => writeLoop(writes) },
    { name: 'open+close', unit: 'open/close syscall', ops: opens, syscallsPerOp: 2, repeat, run: () => openCloseLoop(opens) },
  ];
  if (spawns > 0) {
    workloads.push({ name: 'spawn', unit: 'process (fork+exec+exit)', ops: spawns, syscallsPerOp: 0, repeat: 1, run: () => spawnLoop(spawns) });
  }

  const configs = [
    { name: 'baseline (no collector)', collectors: [] },
    ...collectors.map((c) => ({ name: c, collectors: [c] })),
  ];
  if (collectors.length > 1) configs.push({ name: `all (${collectors.join('+')})`, collectors });

  const disturbances = new Disturbances();
  // Warm the JIT and the page cache before anything is timed.
  log('warming up');
  for (const w of workloads) w.run();

  const samples = new Map(); // config name -> workload name -> [{ wallMs, cpuMs }]
  const modes = new Map();
  for (const c of configs) samples.set(c.name, new Map(workloads.map((w) => [w.name, []])));

  for (let round = 1; round <= rounds; round++) {
    for (const config of configs) {
      let plugin;
      const configDir = config.collectors.length && values.apps ? makeConfigDir(config.collectors) : undefined;
      try {
        if (config.collectors.length) {
          // --duration is a safety net: stop() ends it long before.
          const args = ['1', '--collectors', config.collectors.join(','), '--duration', '600'];
          if (configDir) args.push('--config-dir', configDir);
          plugin = await startPlugin(args, { expect: config.collectors });
          modes.set(config.name, config.collectors.map((c) => `${c}:${plugin.modes[c]}`).join(' '));
          await sleep(300); // let the first tick's setup settle
        }
        const parts = [];
        const exclude = plugin ? [plugin.pid] : [];
        disturbances.check(exclude);
        for (const w of workloads) {
          const s = fastest(Array.from({ length: w.repeat }, () => measure(w.run)));
          samples.get(config.name).get(w.name).push(s);
          parts.push(`${w.name} ${s.wallMs.toFixed(0)} ms wall / ${s.cpuMs.toFixed(0)} ms cpu`);
        }
        disturbances.check(exclude);
        log(`round ${round}/${rounds} ${config.name}${plugin ? ` (plugin pid ${plugin.pid})` : ''}: ${parts.join(', ')}`);
      } finally {
        if (plugin) {
          disturbances.addOwnCpu(procCpuSeconds(plugin.pid));
          await plugin.stop();
        }
        if (configDir) removeDir(configDir);
      }
    }
  }

  const base = samples.get(configs[0].name);
  const rows = [];
  for (const w of workloads) {
    const baseWall = median(base.get(w.name).map((s) => s.wallMs));
    const baseCpu = median(base.get(w.name).map((s) => s.cpuMs));
    const perOp = w.syscallsPerOp ? w.ops * w.syscallsPerOp : w.ops;
    for (const config of configs) {
      const wall = median(samples.get(config.name).get(w.name).map((s) => s.wallMs));
      const cpu = median(samples.get(config.name).get(w.name).map((s) => s.cpuMs));
      const isBase = config === configs[0];
      rows.push([
        w.name,
        config.name,
        fmt(wall, 1),
        `±${fmt(spreadPct(samples.get(config.name).get(w.name).map((s) => s.wallMs)), 0)}%`,
        fmt(cpu, 1),
        isBase ? '-' : fmt(((wall - baseWall) * 1e6) / perOp, 0),
        isBase ? '-' : fmt(((cpu - baseCpu) * 1e6) / perOp, 0),
        isBase ? '1.00x' : ratio(wall, baseWall),
        isBase ? '1.00x' : ratio(cpu, baseCpu),
      ]);
    }
  }

  printTable(
    `hook-overhead: workload time with collectors attached vs none (baseline), ${values.apps ? 'apps charts on' : 'stock config'}`,
    ['workload', 'collectors', 'wall ms', 'spread', 'cpu ms', '+ns/op wall', '+ns/op cpu', 'wall ratio', 'cpu ratio'],
    rows,
    [
      `Medians over ${rounds} interleaved rounds (in each round the fastest of ${repeat} runs of write and open+close); spread = half the range over the rounds. Ops: ${workloads.map((w) => `${w.name} = ${w.unit} (${w.syscallsPerOp ? w.ops * w.syscallsPerOp : w.ops} per round)`).join('; ')}.`,
      'cpu = this process\'s user+system time (the BPF programs run in the traced process\'s syscall context);',
      ...(spawns > 0 ? ['spawn: +ns/op is per process and far below its noise; the children\'s CPU is not counted in cpu ms.'] : []),
      ...disturbances.notes(),
      `Attach modes: ${[...modes.values()].filter((m, i, a) => a.indexOf(m) === i).join(', ')}.`,
    ],
  );
  return 0;
}

/** The run with the least wall time (the one least disturbed by interrupts and preemption). */
function fastest(runs) {
  return runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
}

/** Half the range of a set of values, relative to their median, in percent. */
function spreadPct(values) {
  const m = median(values);
  return ((Math.max(...values) - Math.min(...values)) / 2 / m) * 100;
}

function measure(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const ONE_BYTE = Buffer.from('x');

function writeLoop(n) {
  const fd = openSync('/dev/null', 'w');
  try {
    for (let i = 0; i < n; i++) writeSync(fd, ONE_BYTE, 0, 1);
  } finally {
    closeSync(fd);
  }
}

function openCloseLoop(n) {
  for (let i = 0; i < n; i++) closeSync(openSync('/dev/null', 'r'));
}

function spawnLoop(n) {
  for (let i = 0; i < n; i++) {
    const r = spawnSync('/bin/true', { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`/bin/true exited with ${r.status ?? r.signal}${r.error ? `: ${r.error.message}` : ''}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('hook-overhead', main);
