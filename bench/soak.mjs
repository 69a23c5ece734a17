#!/usr/bin/env node
/**
 * soak: the plugin with every collector, apps and cgroup charts and the
 * per-connection charts on, for N minutes of process churn plus socket and
 * file traffic. Prints, per minute, the plugin's RSS, its CPU, and the forks
 * its `system.process_thread` chart counted against the kernel's own count
 * (`processes` in /proc/stat); then whether RSS stayed flat (within ±5% of
 * its value after the warm-up minutes) and the fork-count ratio over the run.
 * Not part of CI (it takes minutes and loads the machine).
 *
 * Usage: node bench/soak.mjs [--minutes 10] [--churners 1] [--warmup 2]
 */
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { arch, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Disturbances, EXIT_FAIL, EXIT_USAGE, PLUGIN, fmt, log, passFail, preflight, printTable, procCpuSeconds, removeDir, runMain, sleep } from './lib.mjs';

/** Every collector the plugin ships (the test harness's list), by Netdata module name. */
const COLLECTORS = ['process', 'socket', 'vfs', 'fd', 'filesystem', 'hardirq', 'softirq', 'sync', 'mount', 'oomkill', 'shm'];

/** RSS after the warm-up must stay within this fraction of its value at the end of the warm-up. */
const FLAT_TOLERANCE = 0.05;

const HELP = `Usage: node bench/soak.mjs [options]

Runs the plugin (update every 1 s; ${COLLECTORS.join(', ')};
apps, cgroups and network connections on) under process churn, TCP/UDP
traffic on loopback and file I/O for N minutes. Prints RSS, CPU and fork
counts (the plugin's system.process_thread against /proc/stat "processes")
per minute, and whether RSS stayed flat (±${FLAT_TOLERANCE * 100}%) after the warm-up. Needs root.

Options:
  --minutes N    length of the churn (default 10)
  --churners N   shell loops forking and exec'ing /bin/true (default 1)
  --warmup N     minutes before RSS must be flat (default 2; at most half the run)
  --help
`;

/** `processes` of /proc/stat: forks (processes and threads) since boot. */
function kernelForks() {
  const m = /^processes (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
  return Number(m[1]);
}

function statusKb(pid, key) {
  const m = new RegExp(`^${key}:\\s*(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function configDir() {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfc-soak-conf-'));
  mkdirSync(join(dir, 'ebpf.d'));
  writeFileSync(
    join(dir, 'ebpf.d.conf'),
    '[global]\n    update every = 1\n    apps = yes\n    cgroups = yes\n\n[ebpf programs]\n' +
      COLLECTORS.map((c) => `    ${c} = yes\n`).join('') +
      '    network connections = yes\n',
  );
  return dir;
}

/**
 * Reads the plugin's stdout line by line and keeps only what the soak needs:
 * the fork counts of each `system.process_thread` block (its values are
 * per-interval amounts; a block after a late interval, BEGIN's microseconds
 * above 1.5 s, was scaled to one second by the plugin and is scaled back),
 * with the kernel's count read when the block arrived.
 */
class OutputReader {
  blocks = 0;
  lines = 0;
  /** { forks, kernel } per process_thread block. */
  forkBlocks = [];
  #carry = '';
  #inForkChart = false;
  #scale = 1;
  #sum = 0;

  push(chunk) {
    const text = this.#carry + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      this.#line(text.slice(start, end));
      start = end + 1;
    }
    this.#carry = text.slice(start);
  }

  #line(line) {
    this.lines++;
    if (line.startsWith('BEGIN ')) {
      this.blocks++;
      const [, chart, us] = line.split(' ');
      this.#inForkChart = chart === 'system.process_thread';
      this.#scale = us !== undefined && Number(us) > 1_500_000 ? Number(us) / 1_000_000 : 1;
      this.#sum = 0;
    } else if (this.#inForkChart && line.startsWith('SET ')) {
      const m = /^SET '?([^' ]+)'? = (-?\d+)/.exec(line);
      if (m && (m[1] === '_do_fork' || m[1] === 'sys_clone')) this.#sum += Number(m[2]) * this.#scale;
    } else if (this.#inForkChart && line === 'END') {
      this.forkBlocks.push({ forks: Math.round(this.#sum), kernel: kernelForks() });
      this.#inForkChart = false;
    }
  }
}

/** Process churn: shells that fork and exec /bin/true as fast as they can. */
function startChurn(n) {
  const children = [];
  for (let i = 0; i < n; i++) {
    children.push(spawn('sh', ['-c', 'while :; do /bin/true; (:); done'], { stdio: 'ignore' }));
  }
  return { stop: () => children.forEach((c) => c.kill('SIGKILL')) };
}

/** TCP connections (connect, 16 KiB each way, close) and UDP datagrams on loopback, about 100 connections/s. */
async function startSockets() {
  const payload = Buffer.alloc(16 * 1024, 0x61);
  const server = createServer((s) => {
    s.on('data', () => {});
    s.on('error', () => {});
    s.end(payload);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const udpIn = createSocket('udp4');
  await new Promise((resolve) => udpIn.bind(0, '127.0.0.1', resolve));
  const udpOut = createSocket('udp4');
  const udpPort = udpIn.address().port;
  let running = true;
  let connections = 0;
  const loop = (async () => {
    while (running) {
      await Promise.all(
        Array.from({ length: 10 }, () =>
          new Promise((resolve) => {
            const c = connect(port, '127.0.0.1', () => c.end(payload));
            c.on('data', () => {});
            c.on('close', resolve);
            c.on('error', resolve);
          }),
        ),
      );
      connections += 10;
      for (let i = 0; i < 10; i++) udpOut.send(payload.subarray(0, 512), udpPort, '127.0.0.1');
      await sleep(100);
    }
  })();
  return {
    connections: () => connections,
    async stop() {
      running = false;
      await loop;
      server.close();
      udpIn.close();
      udpOut.close();
    },
  };
}

/** File traffic: create, write, fsync, read, rename and unlink small files, about 200 files/s. */
function startFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfc-soak-files-'));
  const block = Buffer.alloc(8192, 0x62);
  const back = Buffer.alloc(8192);
  let files = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 20; i++) {
      const path = join(dir, `f${files % 64}`);
      const fd = openSync(path, 'w+');
      writeSync(fd, block, 0, block.length, 0);
      if (i === 0) fsyncSync(fd);
      readSync(fd, back, 0, back.length, 0);
      closeSync(fd);
      renameSync(path, `${path}.old`);
      unlinkSync(`${path}.old`);
      files++;
    }
  }, 100);
  return {
    files: () => files,
    stop() {
      clearInterval(timer);
      removeDir(dir);
    },
  };
}

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string', default: '10' },
      churners: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '2' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const minutes = Number(values.minutes);
  const churners = Number(values.churners);
  const warmup = Math.min(Number(values.warmup), Math.floor(minutes / 2));
  if (!Number.isInteger(minutes) || minutes < 1 || !Number.isInteger(churners) || churners < 0 || !Number.isInteger(warmup) || warmup < 0) {
    process.stderr.write(`soak: --minutes must be a whole number >= 1, --churners and --warmup whole numbers >= 0\n\n${HELP}`);
    return EXIT_USAGE;
  }
  preflight();

  const started = new Date();
  const load0 = loadavg();
  const disturbances = new Disturbances();
  const dir = configDir();
  const plugin = spawn(PLUGIN, ['1', '--config-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new OutputReader();
  plugin.stdout.setEncoding('latin1').on('data', (d) => output.push(d));
  let stderr = '';
  let stderrLines = 0;
  plugin.stderr.setEncoding('utf8').on('data', (d) => {
    stderrLines += d.split('\n').length - 1;
    stderr = (stderr + d).slice(-20_000);
  });
  let exit;
  const exited = new Promise((resolve) => plugin.on('exit', (code, signal) => resolve((exit = { code, signal }))));

  // Ready: every collector said which mode it runs in (or the plugin gave up on it), and data flows.
  const t0 = Date.now();
  while (output.forkBlocks.length < 2) {
    if (exit) throw new Error(`the plugin exited (${JSON.stringify(exit)}) before sending data:\n${stderr.slice(-3000)}`);
    if (Date.now() - t0 > 120_000) throw new Error(`no system.process_thread data within 120 s:\n${stderr.slice(-3000)}`);
    await sleep(100);
  }
  const running = COLLECTORS.filter((c) => new RegExp(`(^|\\s)${c}: running in \\S+ mode`, 'm').test(stderr));
  log(`plugin pid ${plugin.pid} ready in ${Date.now() - t0} ms; running: ${running.join(', ')}`);

  const churn = startChurn(churners);
  // Whatever ends this process (an error, SIGINT through lib's handler), nothing it started stays.
  process.on('exit', () => {
    churn.stop();
    if (!exit) plugin.kill('SIGKILL');
  });
  const sockets = await startSockets();
  const files = startFiles();
  const cpu0 = procCpuSeconds(plugin.pid);
  let mark = { at: Date.now(), cpu: cpu0, block: output.forkBlocks.length - 1 };
  const firstBlock = mark.block;
  const rows = [];
  const rss = [];
  for (let minute = 1; minute <= minutes; minute++) {
    const until = mark.at + 60_000;
    while (Date.now() < until) {
      if (exit) throw new Error(`the plugin exited during the soak (${JSON.stringify(exit)}):\n${stderr.slice(-3000)}`);
      await sleep(Math.min(1000, until - Date.now()));
    }
    const now = { at: Date.now(), cpu: procCpuSeconds(plugin.pid), block: output.forkBlocks.length - 1 };
    const blocks = output.forkBlocks;
    let counted = 0;
    for (let i = mark.block + 1; i <= now.block; i++) counted += blocks[i].forks;
    const kernel = blocks[now.block].kernel - blocks[mark.block].kernel;
    const rssMiB = statusKb(plugin.pid, 'VmRSS') / 1024;
    rss.push(rssMiB);
    rows.push([
      String(minute),
      fmt(rssMiB, 1),
      fmt(statusKb(plugin.pid, 'VmHWM') / 1024, 1),
      fmt(((now.cpu - mark.cpu) * 1000) / ((now.at - mark.at) / 1000), 1),
      String(counted),
      String(kernel),
      kernel > 0 ? (counted / kernel).toFixed(5) : '-',
    ]);
    log(`minute ${minute}: RSS ${fmt(rssMiB, 1)} MiB, forks ${counted} / ${kernel}, ${sockets.connections()} connections, ${files.files()} files so far`);
    mark = now;
  }

  churn.stop();
  await sockets.stop();
  files.stop();
  const cpuTotal = procCpuSeconds(plugin.pid) - cpu0;
  disturbances.addOwnCpu(cpuTotal);
  const blocks = output.forkBlocks;
  let counted = 0;
  for (let i = firstBlock + 1; i <= mark.block; i++) counted += blocks[i].forks;
  const kernel = blocks[mark.block].kernel - blocks[firstBlock].kernel;

  const stopAt = Date.now();
  plugin.kill('SIGTERM');
  const result = await Promise.race([exited, sleep(15_000).then(() => undefined)]);
  if (!result) plugin.kill('SIGKILL');
  await exited;
  const stopMs = Date.now() - stopAt;
  removeDir(dir);

  const baseline = warmup > 0 ? rss[warmup - 1] : rss[0];
  const after = rss.slice(warmup);
  const worst = Math.max(...after.map((r) => Math.abs(r / baseline - 1)));
  const flat = minutes > warmup && worst <= FLAT_TOLERANCE;
  const load1 = loadavg();
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? arch()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}`;
  printTable(
    `soak: ${minutes} min, ${churners} churner(s), every collector, apps + cgroups + network connections on (${started.toISOString()})`,
    ['minute', 'VmRSS MiB', 'VmHWM MiB', 'CPU ms/s', 'forks (plugin)', 'forks (/proc/stat)', 'ratio'],
    rows,
    [
      `Machine: ${machine}. Load average ${load0.map((l) => l.toFixed(2)).join(' ')} at the start, ${load1.map((l) => l.toFixed(2)).join(' ')} at the end.`,
      `Collectors running: ${running.length} of ${COLLECTORS.length} (${running.join(', ')}).`,
      `Traffic: ${sockets.connections()} TCP connections (16 KiB each way) and as many 512-byte UDP datagrams, ${files.files()} files written, read, renamed and unlinked.`,
      `Plugin CPU over the soak: ${fmt((cpuTotal * 1000) / (minutes * 60), 1)} ms/s. Stop (SIGTERM to exit): ${stopMs} ms, exit ${JSON.stringify(exit)}. ${output.blocks} blocks, ${stderrLines} stderr lines.`,
      `Forks: ${counted} counted by the plugin, ${kernel} by the kernel: ratio ${kernel > 0 ? (counted / kernel).toFixed(5) : '-'}.`,
      `RSS flat after ${warmup} warm-up minute(s): ${passFail(flat)} (largest move ${(worst * 100).toFixed(1)}% from ${fmt(baseline, 1)} MiB; tolerance ±${FLAT_TOLERANCE * 100}%).`,
      ...disturbances.notes(),
    ],
  );
  return exit.code === 0 ? 0 : EXIT_FAIL;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('soak', main);
