/**
 * Shared helpers of the benchmarks: statistics, table printing, preflight
 * checks, /proc sampling and starting/stopping the plugin binary.
 *
 * Convention: progress and logs go to stderr (`log`), result tables to
 * stdout (`printTable`), so `node bench/run.mjs > results.txt` keeps only
 * the numbers.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Exit codes shared by every benchmark. */
export const EXIT_FAIL = 1;
export const EXIT_ENV = 2;
export const EXIT_USAGE = 64;

/** An error that says what is wrong with the machine, not with the code. */
export class EnvironmentError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

export function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Path of a file shipped in a workspace package, found through module resolution. */
export function packageFile(pkg, relative) {
  // The packages export only `dist/index.js`; step back to the package root.
  const entry = fileURLToPath(import.meta.resolve(pkg));
  return join(dirname(entry), '..', relative);
}

export const PLUGIN = packageFile('@ebpf-collectors/plugin', 'bin/ebpf.plugin');

/** Every collector the plugin ships, by Netdata module name. */
export const ALL_COLLECTORS = ['process', 'socket', 'vfs', 'fd', 'filesystem', 'hardirq', 'softirq'];

/**
 * Fail early and clearly when the benchmarks cannot run here: not Linux, not
 * root, or no tracefs (the collectors fall back to tracepoints on this kind
 * of machine, and tracepoints need it).
 */
export function preflight({ tracefs = true } = {}) {
  if (process.platform !== 'linux') throw new EnvironmentError(`the benchmarks need Linux (this is ${process.platform})`);
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) {
    throw new EnvironmentError(
      `the benchmarks load BPF programs and need root (running as uid ${process.geteuid()}); run them with sudo`,
    );
  }
  if (tracefs) {
    const mounted = ['/sys/kernel/tracing/events', '/sys/kernel/debug/tracing/events'].some((p) => existsSync(p));
    if (!mounted) {
      throw new EnvironmentError(
        'tracefs is not mounted (/sys/kernel/tracing is empty); mount it first: mount -t tracefs nodev /sys/kernel/tracing',
      );
    }
  }
}

/**
 * Run `main` as a command-line program: EnvironmentError -> exit 2, any
 * other error -> exit 1, both with a one-line reason on stderr.
 */
export async function runMain(name, main) {
  try {
    const code = await main(process.argv.slice(2));
    process.exitCode = code ?? 0;
  } catch (err) {
    if (typeof err?.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${name}: ${err.message} (see --help)\n`);
      process.exitCode = EXIT_USAGE;
    } else if (err instanceof EnvironmentError) {
      process.stderr.write(`${name}: cannot run: ${err.message}\n`);
      process.exitCode = EXIT_ENV;
    } else {
      process.stderr.write(`${name}: FAILED: ${err?.stack ?? err}\n`);
      process.exitCode = EXIT_FAIL;
    }
  }
}

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function min(values) {
  return values.reduce((a, b) => Math.min(a, b), Infinity);
}

/** Fixed decimals, or '-' for a missing value. */
export function fmt(value, decimals = 2) {
  if (value === undefined || value === null || Number.isNaN(value)) return '-';
  return value.toFixed(decimals);
}

/** `1.23x` */
export function ratio(value, baseline, decimals = 2) {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return '-';
  return `${(value / baseline).toFixed(decimals)}x`;
}

/** Print a plain-text table on stdout: first column left aligned, the rest right aligned. */
export function printTable(title, header, rows, notes = []) {
  const cells = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [`## ${title}`, '', line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells.slice(1)) out.push(line(r));
  if (notes.length) out.push('', ...notes);
  process.stdout.write(`${out.join('\n')}\n\n`);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Like `sleep`, but does not keep the process alive: for the losing side of a `Promise.race`. */
export function deadline(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

let clockTicks;
/** Kernel clock ticks per second (USER_HZ), the unit of /proc/<pid>/stat times. */
export function clkTck() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a whole process (every thread), in seconds, from /proc/<pid>/stat. */
export function procCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return (utime + stime) / clkTck();
}

/**
 * Time on CPU of every live thread of a process, in seconds, from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds, so it resolves an idle
 * process's few milliseconds where /proc/<pid>/stat's ticks read 0).
 */
export function procSchedSeconds(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* thread ended meanwhile */
    }
  }
  return ns / 1e9;
}

/** A `kB` line of /proc/<pid>/status (VmHWM, VmRSS...), in KiB. */
export function procStatusKb(pid, key) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`/proc/${pid}/status has no ${key} line`);
  return Number(m[1]);
}

/**
 * Other processes holding BPF programs or links right now (pid, comm and
 * counts), ignoring `excludePids`. A syscall tracepoint attached by anyone
 * puts every syscall of the machine on the tracing path, so such a process
 * skews the baseline of hook-overhead; the benchmarks warn about it.
 */
export function foreignBpfHolders(excludePids = []) {
  const exclude = new Set([process.pid, ...excludePids].map(String));
  const holders = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || exclude.has(pid)) continue;
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    let progs = 0;
    let links = 0;
    for (const fd of fds) {
      let target;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target === 'anon_inode:bpf-prog') progs++;
      else if (target === 'anon_inode:bpf_link' || target === 'anon_inode:bpf-link') links++;
    }
    if (progs || links) {
      let comm = '?';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        /* gone */
      }
      holders.push({ pid: Number(pid), comm, progs, links });
    }
  }
  return holders;
}

/** Non-idle CPU time of the whole machine so far (user, nice, system, irq, softirq, steal), in seconds. */
export function machineBusySeconds() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + (steal ?? 0)) / clkTck();
}

/**
 * Collects what might make a run's numbers unreliable so the table can say
 * so: other processes using BPF (a syscall tracepoint attached by anyone puts
 * every syscall of the machine on the tracing path, baseline included), and
 * CPU used by anything but this process and the processes it reports with
 * `addOwnCpu` (the plugins it ran).
 */
export class Disturbances {
  #seen = new Map();
  #busy0 = machineBusySeconds();
  #self0 = process.cpuUsage();
  #wall0 = Date.now();
  #own = 0;

  /** Look for other BPF users now; cheap enough to call around every measurement. */
  check(excludePids = []) {
    for (const h of foreignBpfHolders(excludePids)) {
      const key = `${h.pid} (${h.comm})`;
      if (!this.#seen.has(key)) log(`warning: pid ${key} holds ${h.progs} BPF programs and ${h.links} BPF links during the run`);
      this.#seen.set(key, h);
    }
  }

  /** CPU seconds used by processes this benchmark started on purpose (read them before they exit). */
  addOwnCpu(seconds) {
    this.#own += seconds;
  }

  /** Average number of CPUs kept busy by anything else since the start. */
  othersCpus() {
    const self = process.cpuUsage(this.#self0);
    const others = machineBusySeconds() - this.#busy0 - (self.user + self.system) / 1e6 - this.#own;
    return Math.max(0, others / ((Date.now() - this.#wall0) / 1000));
  }

  notes() {
    const notes = [];
    if (this.#seen.size) {
      const pids = [...this.#seen.keys()];
      const shown = pids.length > 4 ? `${pids.slice(0, 3).join(', ')} and ${pids.length - 3} more` : pids.join(', ');
      notes.push(
        `WARNING: ${pids.length} other process(es) used BPF during the run (pid ${shown}): ` +
          'their programs run in the baseline too, so the figures are skewed.',
      );
    }
    const others = this.othersCpus();
    const line = `Other load on the machine during the run: ${others.toFixed(2)} CPUs on average.`;
    notes.push(others > 0.15 ? `WARNING: ${line} Expect noise; rerun on a quiet machine.` : line);
    return notes;
  }
}

/** Process state letter (R, S, Z...) from /proc/<pid>/stat, or undefined if it is gone. */
export function procState(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * A user config dir for the plugin: `update every = 1`, apps charts on,
 * cgroups off, and the given collectors on (every other one off). Setting
 * `apps = yes` in a user file keeps the per-PID tables in every attach mode,
 * so this is the heavier, per-application configuration.
 */
export function makeConfigDir(collectors = ALL_COLLECTORS, { cgroups = false, pidTableSize, appsGroups, collectPid } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfc-bench-conf-'));
  mkdirSync(join(dir, 'ebpf.d'));
  const programs = ALL_COLLECTORS.map((c) => `    ${c} = ${collectors.includes(c) ? 'yes' : 'no'}\n`).join('');
  const size =
    (pidTableSize === undefined ? '' : `    pid table size = ${pidTableSize}\n`) +
    (collectPid === undefined ? '' : `    collect pid = ${collectPid}\n`);
  writeFileSync(
    join(dir, 'ebpf.d.conf'),
    `[global]\n    update every = 1\n    apps = yes\n    cgroups = ${cgroups ? 'yes' : 'no'}\n${size}\n[ebpf programs]\n${programs}`,
  );
  // `appsGroups`: the text of an apps_groups.conf in the same (user) directory.
  if (appsGroups !== undefined) writeFileSync(join(dir, 'apps_groups.conf'), appsGroups);
  return dir;
}

/** `PASS` or `FAIL` for a goal line. */
export function passFail(ok) {
  return ok ? 'PASS' : 'FAIL';
}

/**
 * Build `bench/c/NAME.c` with the system C compiler (cc -O2) into a
 * temporary directory and return the executable's path; `libs` are extra
 * linker arguments (e.g. `-lbpf`). Throws an EnvironmentError naming the
 * missing tool or library.
 */
export function buildC(name, libs = []) {
  const src = join(dirname(fileURLToPath(import.meta.url)), 'c', `${name}.c`);
  const dir = mkdtempSync(join(tmpdir(), 'ebpfc-bench-c-'));
  const exe = join(dir, name);
  try {
    execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-o', exe, src, ...libs], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new EnvironmentError(
      `cannot build ${src} with ${process.env.CC || 'cc'} ${libs.join(' ')}: ${String(err.stderr ?? err.message).trim()} ` +
        '(needs a C compiler and libbpf-dev: apt-get install gcc libbpf-dev)',
    );
  }
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return exe;
}

export function removeDir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

// `node bench/run.mjs | head` closes stdout early: stop quietly instead of an EPIPE stack.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/** Plugins started by this process, stopped on the way out whatever happens. */
const running = new Set();

function killAllOnExit() {
  for (const run of running) {
    try {
      process.kill(run.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', killAllOnExit);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`[bench] ${signal}: stopping\n`);
    killAllOnExit();
    process.exit(130);
  });
}

/**
 * Start the plugin binary with stdout to /dev/null (so it speaks Netdata's
 * protocol into nothing, as cheaply as it can) and stderr captured, and wait
 * until every expected collector logged `<name>: running in <mode> mode`.
 *
 * Resolves with `{ pid, modes, stderr(), stop() }`; `stop()` sends SIGTERM,
 * waits for the exit and throws if the plugin does not exit in time. `env`
 * adds variables to the plugin's environment.
 */
export async function startPlugin(args, { expect, timeoutMs = 60_000, env, watchStdout = false, plugin = PLUGIN } = {}) {
  const t0 = performance.now();
  const child = spawn(plugin, args, {
    stdio: ['ignore', watchStdout ? 'pipe' : 'ignore', 'pipe'],
    env: env ? { ...process.env, ...env } : process.env,
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  // With watchStdout: ms from spawn to the first CHART and the first BEGIN (first values) line; the rest is dropped.
  const firstOut = { chartMs: undefined, beginMs: undefined, bytes: 0 };
  if (watchStdout) {
    let carry = '';
    child.stdout.setEncoding('latin1').on('data', (d) => {
      firstOut.bytes += d.length;
      if (firstOut.beginMs !== undefined) return;
      const text = carry + d;
      if (firstOut.chartMs === undefined && /(^|\n)CHART /.test(text)) firstOut.chartMs = performance.now() - t0;
      if (/(^|\n)BEGIN /.test(text)) firstOut.beginMs = performance.now() - t0;
      carry = text.slice(-16);
    });
  }
  let exit;
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(run);
      resolve(exit);
    }),
  );
  const run = {
    pid: child.pid,
    modes: {},
    firstOut,
    stderr: () => err,
    exited,
    async stop(graceMs = 15_000) {
      if (exit) return exit;
      child.kill('SIGTERM');
      const result = await Promise.race([exited, deadline(graceMs).then(() => undefined)]);
      if (!result) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`plugin (pid ${child.pid}) did not exit within ${graceMs} ms of SIGTERM; killed it`);
      }
      if (existsSync(`/proc/${child.pid}`) && procState(child.pid) !== 'Z') {
        throw new Error(`plugin (pid ${child.pid}) reported its exit but /proc/${child.pid} is still there`);
      }
      if (result.code !== 0 && result.signal !== 'SIGTERM') {
        throw new Error(`plugin exited with ${result.code ?? result.signal} after SIGTERM; stderr:\n${tail(err)}`);
      }
      return result;
    },
  };
  running.add(run);

  const start = Date.now();
  for (;;) {
    for (const name of expect) {
      const m = new RegExp(`: ${name}: running in (\\S+) mode`).exec(err);
      if (m) run.modes[name] = m[1];
    }
    if (expect.every((name) => run.modes[name])) break;
    if (exit) {
      throw new Error(
        `plugin exited (${exit.code ?? exit.signal}) before ${expect.filter((n) => !run.modes[n]).join(', ')} attached; stderr:\n${tail(err)}`,
      );
    }
    if (Date.now() - start > timeoutMs) {
      await run.stop().catch(() => {});
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${expect.filter((n) => !run.modes[n]).join(', ')} to attach; stderr:\n${tail(err)}`,
      );
    }
    await sleep(50);
  }
  run.attachedMs = Date.now() - start;
  return run;
}

function tail(text, lines = 20) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Every module of the plugin's `[ebpf programs]`: a single-collector config turns all the others off (some are on by default). */
export const PLUGIN_MODULES = [...ALL_COLLECTORS, 'mdflush', 'swap', 'cachestat', 'dc', 'oomkill', 'disk', 'sync', 'mount', 'shm'];

/** A module's own file in ebpf.d/ where it is not named after the module (socket reads network.conf). */
const MODULE_FILES = { socket: 'network.conf', dc: 'dcstat.conf' };

/** A module's `[ebpf programs]` key where it is not the module's name (Netdata's `dcstat` turns `dc` on). */
const CONFIG_KEYS = { dc: 'dcstat' };

/**
 * A user config dir with only `collector` on: apps on, cgroups off, collect pid = all, return load mode, `mode`;
 * `programs` adds `[ebpf programs]` keys (`{ 'network connections': 'yes' }`).
 */
export function singleCollectorConfig(work, collector, mode = 'tracepoint', { programs: extra = {} } = {}) {
  const dir = join(work, `conf-${collector}`);
  mkdirSync(join(dir, 'ebpf.d'), { recursive: true });
  const programs =
    PLUGIN_MODULES.map((c) => `    ${CONFIG_KEYS[c] ?? c} = ${c === collector ? 'yes' : 'no'}\n`).join('') +
    Object.entries(extra)
      .map(([key, value]) => `    ${key} = ${value}\n`)
      .join('');
  writeFileSync(
    join(dir, 'ebpf.d.conf'),
    `[global]\n    update every = 1\n    apps = yes\n    cgroups = no\n    ebpf load mode = return\n    ebpf co-re tracing = ${mode}\n\n[ebpf programs]\n${programs}`,
  );
  writeFileSync(join(dir, 'ebpf.d', MODULE_FILES[collector] ?? `${collector}.conf`), '[global]\n    collect pid = all\n');
  return dir;
}

/** bpftrace's version, or undefined (logged) when it is not installed. */
export function findBpftrace() {
  try {
    const version = execFileSync('bpftrace', ['--version'], { encoding: 'utf8' }).trim().replace(/^bpftrace\s+/, '');
    return { version };
  } catch {
    log('bpftrace not found: its rows are left out (apt-get install bpftrace)');
    return undefined;
  }
}

/** One timed batch of a loop program (`loop op n repeat cpu [args...]` prints ns per call). */
export function runLoop(loop, op, n, repeat, cpu, args = []) {
  let out;
  try {
    out = execFileSync(loop, [op, String(n), String(repeat), String(cpu), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`${loop} ${op}: ${String(err.stderr ?? err.message).trim()}`);
  }
  const ns = Number(out.trim());
  if (!Number.isFinite(ns)) throw new Error(`${loop} ${op}: unexpected output ${out}`);
  return ns;
}

/** bpftrace running `script`, once it says its probes are attached; `detach()` stops it (SIGINT) and waits. */
export async function startBpftrace(script, timeoutMs) {
  const child = spawn('bpftrace', ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // else it keeps the bench alive after the failure
      reject(new Error(`bpftrace did not attach within ${timeoutMs / 1000} s: ${err}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      // "Attaching 1 probe..." for a single probe.
      if (/Attaching \d+ probes?\b/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bpftrace exited (${code}) before attaching: ${err}`));
    });
  });
  await sleep(300);
  return {
    detach: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
}
