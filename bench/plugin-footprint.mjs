#!/usr/bin/env node
/**
 * plugin-footprint: the plugin's own CPU and memory with every collector on
 * (apps charts on, `update every = 1`), against an idle Node.js process
 * measured the same way (the baseline: what the runtime alone costs).
 *
 * For each process: start it, wait until it is ready (the plugin: every
 * collector logged `running in <mode> mode`; the baseline: it exists), let
 * it settle, then over a fixed window read its CPU time from /proc/<pid>/stat
 * (utime + stime, in clock ticks) and /proc/<pid>/task/<tid>/schedstat (ns),
 * and its peak resident set size (VmHWM) from /proc/<pid>/status at the end.
 *
 * `--variant NAME=NODE_OPTIONS` (repeatable) adds a row: the same plugin
 * with NODE_OPTIONS set, e.g. to preload what an older build imported
 * eagerly or to try V8 heap flags, measured in the same run;
 * `--variant-env NAME=VAR=VALUE` likewise with one environment variable.
 *
 * Usage: node bench/plugin-footprint.mjs [--window 10] [--settle 1]
 *                                        [--collectors process,socket,...]
 *                                        [--variant NAME=NODE_OPTIONS]...
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import {
  ALL_COLLECTORS,
  deadline,
  Disturbances,
  EXIT_USAGE,
  fmt,
  log,
  makeConfigDir,
  preflight,
  printTable,
  procCpuSeconds,
  procSchedSeconds,
  procStatusKb,
  ratio,
  removeDir,
  runMain,
  sleep,
  startPlugin,
} from './lib.mjs';

const HELP = `Usage: node bench/plugin-footprint.mjs [options]

CPU time per second and peak RSS of the plugin running every collector,
against an idle "node -e setTimeout(...)" process (baseline).

Options:
  --window S          measurement window in seconds (default 10)
  --settle S          seconds between ready and the window (default 1)
  --collectors LIST   collectors to turn on (default: all: ${ALL_COLLECTORS.join(',')})
  --variant N=OPTS    one more plugin row named N, run with NODE_OPTIONS=OPTS
                      (repeatable; e.g. --variant "semi-space 1 MiB=--max-semi-space-size=1")
  --variant-env N=VAR=VALUE
                      one more plugin row named N, run with VAR=VALUE in its
                      environment (repeatable; e.g. --variant-env "16 arenas=MALLOC_ARENA_MAX=16")
  --help
`;

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      window: { type: 'string', default: '10' },
      settle: { type: 'string', default: '1' },
      collectors: { type: 'string', default: ALL_COLLECTORS.join(',') },
      variant: { type: 'string', multiple: true, default: [] },
      'variant-env': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const windowS = Number(values.window);
  const settleS = Number(values.settle);
  const collectors = values.collectors.split(',').filter(Boolean);
  const unknown = collectors.filter((c) => !ALL_COLLECTORS.includes(c));
  const variants = [{ name: `ebpf.plugin, ${collectors.length} collectors`, env: undefined }];
  for (const v of values.variant) {
    const eq = v.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`plugin-footprint: --variant ${v}: expected NAME=NODE_OPTIONS\n${HELP}`);
      return EXIT_USAGE;
    }
    variants.push({ name: v.slice(0, eq), env: { NODE_OPTIONS: v.slice(eq + 1) } });
  }
  for (const v of values['variant-env']) {
    const m = /^([^=]+)=([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(v);
    if (!m) {
      process.stderr.write(`plugin-footprint: --variant-env ${v}: expected NAME=VARIABLE=VALUE\n${HELP}`);
      return EXIT_USAGE;
    }
    variants.push({ name: m[1], env: { [m[2]]: m[3] } });
  }
  if (!(windowS > 0) || !(settleS >= 0) || unknown.length || !collectors.length) {
    process.stderr.write(`plugin-footprint: bad option value${unknown.length ? ` (unknown collectors: ${unknown.join(', ')})` : ''}\n${HELP}`);
    return EXIT_USAGE;
  }
  preflight();
  const disturbances = new Disturbances();

  // Baseline: an idle Node.js process, alive for the whole measurement.
  const lifetimeMs = Math.ceil((settleS + windowS + 5) * 1000);
  log(`baseline: node -e "setTimeout(()=>{},${lifetimeMs})", ${windowS} s window`);
  const baseline = await measureBaseline(lifetimeMs, settleS, windowS, disturbances);

  // The plugin with every collector on, then each variant.
  const configDir = makeConfigDir(collectors);
  let plugin;
  try {
    const results = [];
    for (const variant of variants) {
      log(`plugin (${variant.name}): ${collectors.join(',')} (apps on, update every 1 s), ${windowS} s window`);
      const t0 = Date.now();
      plugin = await startPlugin(['1', '--config-dir', configDir, '--duration', String(Math.ceil(settleS + windowS + 60))], {
        expect: collectors,
        env: variant.env,
      });
      const readyMs = Date.now() - t0;
      log(`plugin pid ${plugin.pid} ready after ${readyMs} ms: ${Object.entries(plugin.modes).map(([c, m]) => `${c}:${m}`).join(' ')}`);
      const result = await measureWindow(plugin.pid, settleS, windowS, disturbances);
      result.readyMs = readyMs;
      disturbances.addOwnCpu(procCpuSeconds(plugin.pid));
      const tStop = Date.now();
      const { code, signal } = await plugin.stop();
      result.stopMs = Date.now() - tStop;
      log(`plugin stopped (${code ?? signal}) ${result.stopMs} ms after SIGTERM`);
      results.push(result);
    }
    const modes = [...new Set(Object.values(plugin.modes))].join(', ');

    const rows = [
      row(`baseline: idle node ${process.version}`, baseline, baseline),
      ...variants.map((variant, i) => row(variant.name, results[i], baseline)),
    ];
    printTable(
      'plugin-footprint: plugin with every collector vs an idle node process (baseline)',
      ['process', 'ready ms', 'stop ms', 'startup cpu ms', 'startup ratio', 'cpu ms/s (stat)', 'cpu ms/s (schedstat)', 'cpu ratio', 'VmHWM MiB', 'VmRSS MiB', 'HWM ratio'],
      rows,
      [
        `Window ${windowS} s, starting ${settleS} s after ready. cpu ms/s = CPU time per wall second (1000 = one core busy);`,
        '"stat" = utime+stime from /proc/<pid>/stat (10 ms ticks), "schedstat" = ns on CPU of every thread; the cpu ratio uses schedstat.',
        'ready = spawn to the last "running in <mode> mode" line; stop = SIGTERM to exit (detaching every program);',
        'startup cpu = CPU time from exec to the start of the window (plugin: loading and attaching every collector).',
        `Collectors: ${collectors.join(', ')}; attach modes: ${modes}; apps charts on, cgroups off, update every 1 s.`,
        ...disturbances.notes().filter((n) => !n.includes('used BPF')),
      ],
    );
    return 0;
  } finally {
    if (plugin) await plugin.stop().catch(() => {});
    removeDir(configDir);
  }
}

function row(name, r, base) {
  return [
    name,
    r.readyMs === undefined ? '-' : String(r.readyMs),
    r.stopMs === undefined ? '-' : String(r.stopMs),
    fmt(r.startupCpuS * 1000, 0),
    r === base ? '1.00x' : ratio(r.startupCpuS, base.startupCpuS, 1),
    fmt(r.statCpuPerS * 1000, 2),
    fmt(r.schedCpuPerS * 1000, 2),
    r === base ? '1.00x' : base.schedCpuPerS > 0 ? ratio(r.schedCpuPerS, base.schedCpuPerS, 0) : 'n/a (baseline 0)',
    fmt(r.hwmKb / 1024, 1),
    fmt(r.rssKb / 1024, 1),
    r === base ? '1.00x' : ratio(r.hwmKb, base.hwmKb),
  ];
}

async function measureBaseline(lifetimeMs, settleS, windowS, disturbances) {
  const child = spawn(process.execPath, ['-e', `setTimeout(()=>{},${lifetimeMs})`], { stdio: 'ignore' });
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    await new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const result = await measureWindow(child.pid, settleS, windowS, disturbances);
    disturbances.addOwnCpu(procCpuSeconds(child.pid));
    return result;
  } finally {
    child.kill('SIGTERM');
    const done = await Promise.race([exited, deadline(5000).then(() => undefined)]);
    if (!done) {
      child.kill('SIGKILL');
      throw new Error(`baseline node process (pid ${child.pid}) did not exit on SIGTERM`);
    }
    process.off('exit', kill);
  }
}

/** Sample a running process: CPU over `windowS` seconds after `settleS`, memory at the end. */
async function measureWindow(pid, settleS, windowS, disturbances) {
  await sleep(settleS * 1000);
  const statA = procCpuSeconds(pid);
  const schedA = procSchedSeconds(pid);
  const tA = process.hrtime.bigint();
  // Check for other BPF users now and then; the wait is what is being measured, so keep it light.
  const steps = Math.max(1, Math.round(windowS));
  for (let i = 0; i < steps; i++) {
    await sleep((windowS * 1000) / steps);
    disturbances.check([pid]);
  }
  const statB = procCpuSeconds(pid);
  const schedB = procSchedSeconds(pid);
  const elapsedS = Number(process.hrtime.bigint() - tA) / 1e9;
  return {
    startupCpuS: statA,
    statCpuPerS: (statB - statA) / elapsedS,
    schedCpuPerS: (schedB - schedA) / elapsedS,
    hwmKb: procStatusKb(pid, 'VmHWM'),
    rssKb: procStatusKb(pid, 'VmRSS'),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('plugin-footprint', main);
