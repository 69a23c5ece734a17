#!/usr/bin/env node
/**
 * plugin-stop: time from SIGTERM to exit of the plugin with every collector
 * on, detaching its links several at once (the default) against one by one
 * (`EBPFC_DETACH_THREADS=1`, the baseline: how the loader detached before),
 * in interleaved rounds. Also the time from exec to ready (every collector
 * attached) and to the first chart (first BEGIN line on stdout), and a check
 * that no program the plugin loaded is left in the kernel after it exited.
 *
 * Usage: node bench/plugin-stop.mjs [--rounds 5] [--settle 1] [--collectors process,socket,...] [--env VAR=VALUE ...]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
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
  removeDir,
  runMain,
  sleep,
  startPlugin,
} from './lib.mjs';

const HELP = `Usage: node bench/plugin-stop.mjs [options]

SIGTERM-to-exit and exec-to-ready times of the plugin running every
collector: links detached several at once (default) vs one by one
(EBPFC_DETACH_THREADS=1, baseline), interleaved rounds; fails when a
program the plugin loaded is still in the kernel after it exited.

Options:
  --rounds N          rounds; each starts and stops the plugin once per variant (default 5)
  --settle S          seconds between ready and SIGTERM (default 1)
  --collectors LIST   collectors to turn on (default: all: ${ALL_COLLECTORS.join(',')})
                      (collectors the stock config enables, sync, mount, shm and oomkill, stay on)
  --env VAR=VALUE     put VAR=VALUE in the plugin's environment in every variant (repeatable;
                      e.g. EBPFC_SYSCALL_EXIT_SHARE=no for a "before" run)
  --help
`;

const GOAL_STOP_MS = 500;
const GOAL_READY_MS = 1000;
const GOAL_FIRST_CHART_MS = 1000;

const VARIANTS = [
  { name: 'one by one (EBPFC_DETACH_THREADS=1)', env: { EBPFC_DETACH_THREADS: '1' } },
  { name: 'several at once (default)', env: undefined },
];

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '5' },
      settle: { type: 'string', default: '1' },
      collectors: { type: 'string', default: ALL_COLLECTORS.join(',') },
      env: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const rounds = Number(values.rounds);
  const settleS = Number(values.settle);
  const collectors = values.collectors.split(',').filter(Boolean);
  const unknown = collectors.filter((c) => !ALL_COLLECTORS.includes(c));
  const badEnv = values.env.filter((e) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(e));
  if (!Number.isInteger(rounds) || rounds < 1 || !(settleS >= 0) || unknown.length || !collectors.length || badEnv.length) {
    const why = unknown.length ? ` (unknown collectors: ${unknown.join(', ')})` : badEnv.length ? ` (--env wants VAR=VALUE, not "${badEnv[0]}")` : '';
    process.stderr.write(`plugin-stop: bad option value${why}\n${HELP}`);
    return EXIT_USAGE;
  }
  const extraEnv = Object.fromEntries(values.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  preflight();
  const disturbances = new Disturbances();
  const configDir = makeConfigDir(collectors);
  const results = VARIANTS.map(() => ({ ready: [], firstChart: [], stop: [], links: [], left: 0 }));
  let modes = '';
  try {
    for (let r = 0; r < rounds; r++) {
      // Alternate the order so that a drift in machine load hits both variants alike.
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const v of order) {
        const before = programIds();
        const t0 = Date.now();
        const plugin = await startPlugin(['1', '--config-dir', configDir, '--duration', '120'], {
          expect: collectors,
          env: { ...extraEnv, ...VARIANTS[v].env },
          watchStdout: true,
        });
        const readyMs = Date.now() - t0;
        modes = [...new Set(Object.values(plugin.modes))].join(', ');
        await sleep(settleS * 1000);
        disturbances.check([plugin.pid]);
        const links = attachments(plugin.pid);
        disturbances.addOwnCpu(procCpuSeconds(plugin.pid));
        const tStop = Date.now();
        await plugin.stop();
        const stopMs = Date.now() - tStop;
        const left = [...programIds()].filter((id) => !before.has(id));
        const firstChartMs = plugin.firstOut.beginMs === undefined ? NaN : Math.round(plugin.firstOut.beginMs);
        results[v].ready.push(readyMs);
        results[v].firstChart.push(firstChartMs);
        results[v].stop.push(stopMs);
        results[v].links.push(links);
        results[v].left += left.length;
        log(`round ${r + 1}/${rounds} ${VARIANTS[v].name}: ready ${readyMs} ms, first chart ${firstChartMs} ms, ${links} links, stop ${stopMs} ms${left.length ? `, LEFT IN KERNEL: programs ${left.join(', ')}` : ''}`);
      }
    }
  } finally {
    removeDir(configDir);
  }
  const base = median(results[0].stop);
  const rows = VARIANTS.map((variant, v) => {
    const res = results[v];
    const stop = median(res.stop);
    return [
      variant.name,
      String(median(res.links)),
      fmt(median(res.ready), 0),
      fmt(median(res.firstChart), 0),
      fmt(stop, 0),
      `${Math.min(...res.stop)}-${Math.max(...res.stop)}`,
      v === 0 ? '1.00x' : `${fmt(stop / base, 2)}x`,
      `${stop <= GOAL_STOP_MS ? 'PASS' : 'FAIL'} (goal ${GOAL_STOP_MS} ms)`,
      `${median(res.ready) <= GOAL_READY_MS ? 'PASS' : 'FAIL'} (goal ${GOAL_READY_MS} ms)`,
      `${median(res.firstChart) <= GOAL_FIRST_CHART_MS ? 'PASS' : 'FAIL'} (goal ${GOAL_FIRST_CHART_MS} ms)`,
      String(res.left),
    ];
  });
  printTable(
    'plugin-stop: SIGTERM to exit, detaching several links at once vs one by one (baseline)',
    ['detach', 'links', 'ready ms', 'first chart ms', 'stop ms', 'stop range', 'stop ratio', 'stop goal', 'ready goal', 'first chart goal', 'programs left'],
    rows,
    [
      `Medians over ${rounds} interleaved rounds; ready = spawn to the last "running in <mode> mode" line, first chart = spawn to the first BEGIN line on stdout, stop = SIGTERM to exit.`,
      ...(values.env.length ? [`Plugin environment added: ${values.env.join(' ')}.`] : []),
      'links = BPF links the plugin held; programs left = programs loaded during the run and still in the kernel after exit (must be 0).',
      `Collectors: ${collectors.join(', ')}; attach modes: ${modes}; apps charts on, cgroups off, update every 1 s.`,
      ...disturbances.notes().filter((n) => !n.includes('used BPF')),
    ],
  );
  return results.some((r) => r.left > 0) ? 1 : 0;
}

/** Ids of every BPF program in the kernel now. */
function programIds() {
  const out = execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return new Set(JSON.parse(out).map((p) => p.id));
}

/** BPF links a process holds (libbpf attaches tracepoints through perf-event links on this kind of kernel). */
function attachments(pid) {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target === 'anon_inode:bpf_link' || target === 'anon_inode:bpf-link') n++;
  }
  return n;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('plugin-stop', main);
