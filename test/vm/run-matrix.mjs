#!/usr/bin/env node
// The attach-mode matrix: every collector, in every attach mode, in entry and return load
// modes (return only for collectors that use the load mode), on Debian's stock 6.1 kernel (kprobes and fentry work there), plus the `auto` choice
// there and on this host. Each cell runs the collectors' own self-tests (the same workloads
// and lower bounds as `ebpf.plugin --self-test`), so the VM lane shares its checks with the
// host kernel tests instead of copying them. Each attach mode gets a fresh VM: a guest kernel
// that dies takes only its mode's cells with it, and that VM is retried once (said in the
// summary); a mode that fails twice fails the matrix.
//
// usage: node test/vm/run-matrix.mjs [--smoke] [--collectors a,b] [--modes m1,m2]
//                                    [--load-modes entry,return] [--scale X] [--timeout S] [--json FILE]
// exit: 0 every collector passed in every mode it implements; 1 a cell failed; 2 the lane failed.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runInVm, stderrLog, VmError } from './vm.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PLUGIN = join(ROOT, 'packages', 'plugin', 'bin', 'ebpf.plugin');
const MODES = ['trampoline', 'probe', 'tracepoint', 'legacy'];
const LOAD_MODES = ['entry', 'return'];
const MARK = 'MATRIX ';

const USAGE = `usage: node test/vm/run-matrix.mjs [options]

Runs every installed collector's self-test in each attach mode (trampoline, probe,
tracepoint, legacy) and load mode (entry, return) inside Debian's stock 6.1 kernel,
checks that auto picks trampoline there and tracepoint on this host, and prints a
table of PASS/FAIL with the counts seen.

options:
  --smoke               each mode once (entry mode only), for a quick CI run
  --collectors a,b      only these collectors (default: every enabled one)
  --modes m1,m2         attach modes to run (default: ${MODES.join(',')})
  --load-modes l1,l2    load modes (default: entry,return)
  --scale X             workload size factor inside the guest (default 0.25: emulation is slow)
  --timeout S           limit per VM (one attach mode, both load modes) in seconds (default 600)
  --json FILE           also write every result as JSON to FILE
  -h, --help            this text
`;

function parse() {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      collectors: { type: 'string' },
      modes: { type: 'string' },
      'load-modes': { type: 'string' },
      scale: { type: 'string', default: '0.25' },
      timeout: { type: 'string', default: '600' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const list = (text, all, what) => {
    if (!text) return all;
    const items = text.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((i) => !all.includes(i));
    if (bad.length) {
      process.stderr.write(`run-matrix: unknown ${what}: ${bad.join(', ')} (known: ${all.join(', ')})\n`);
      process.exit(2);
    }
    return items;
  };
  return {
    smoke: values.smoke,
    collectors: values.collectors,
    modes: list(values.modes, MODES, 'mode'),
    loadModes: values.smoke ? ['entry'] : list(values['load-modes'], LOAD_MODES, 'load mode'),
    scale: Number(values.scale),
    timeoutMs: Number(values.timeout) * 1000,
    json: values.json,
  };
}

/**
 * The user config of the matrix, in the guest and on the host: every collector on, apps on,
 * and the socket collector's per-connection charts, with loopback allowed (the self-test's
 * traffic) so their checks run in every cell too.
 */
const EBPF_D_CONF =
  '[global]\n    update every = 1\n    apps = yes\n    cgroups = no\n[ebpf programs]\n' +
  ['process', 'socket', 'vfs', 'fd', 'filesystem', 'hardirq', 'softirq', 'sync', 'mount', 'shm', 'oomkill', 'disk', 'cachestat', 'dcstat', 'swap', 'mdflush'].map((c) => `    ${c} = yes\n`).join('') +
  '    network connections = yes\n';
const NETWORK_CONF = '[network connections]\n    ips = *\n    maximum dimensions = 500\n';

function configScript() {
  return [
    'conf=/tmp/ebpfc-matrix-conf',
    'mkdir -p "$conf/ebpf.d"',
    `printf '%s' '${EBPF_D_CONF}' > "$conf/ebpf.d.conf"`,
    `printf '%s' '${NETWORK_CONF}' > "$conf/ebpf.d/network.conf"`,
  ].join('\n');
}

/**
 * One shell script for the guest: one plugin run per cell of `modes`, each line tagged with
 * its cell, after the `auto` check when `withAuto`.
 */
function guestScript(options, modes, withAuto) {
  const lines = ['set -u', configScript()];
  const only = options.collectors ? ` --collectors ${options.collectors}` : '';
  if (withAuto) lines.push(
    `echo "${MARK}{\\"cell\\":\\"auto\\"}"`,
    `${PLUGIN} --check --json --config-dir "$conf"${only} --log-level error | sed 's/^/${MARK}auto /'`,
  );
  for (const mode of modes) {
    for (const loadMode of options.loadModes) {
      const cell = `${mode}/${loadMode}`;
      const ret = loadMode === 'return' ? ' --return' : '';
      // `--return` changes nothing in a collector that does not use the load mode: only the others run twice.
      const cellOnly = loadMode === 'return' ? ` --collectors ${options.returnCollectors.join(',')}` : only;
      if (loadMode === 'return' && options.returnCollectors.length === 0) continue;
      lines.push(
        `start=$(date +%s)`,
        `${PLUGIN} --self-test --json --config-dir "$conf" --mode ${mode}${ret} --scale ${options.scale}${cellOnly} --log-level error | sed 's#^#${MARK}${cell} #'`,
        `echo "${MARK}${cell} {\\"kind\\":\\"cell-time\\",\\"seconds\\":$(( $(date +%s) - start ))}"`,
      );
    }
  }
  return lines.join('\n');
}

/** Parse `MATRIX <cell> <json>` lines. */
function parseResults(stdout) {
  const results = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(MARK)) continue;
    const rest = line.slice(MARK.length);
    const space = rest.indexOf(' ');
    if (space < 0) continue;
    const cell = rest.slice(0, space);
    try {
      results.push({ cell, ...JSON.parse(rest.slice(space + 1)) });
    } catch {
      // a line the plugin did not write as JSON (should not happen with --json); ignore
    }
  }
  return results;
}

/** What `auto` picks on this host (tracepoints only here), with the guest's config. */
function hostAuto(options) {
  const only = options.collectors ? ['--collectors', options.collectors] : [];
  const conf = mkdtempSync(join(tmpdir(), 'ebpfc-matrix-conf-'));
  mkdirSync(join(conf, 'ebpf.d'));
  writeFileSync(join(conf, 'ebpf.d.conf'), EBPF_D_CONF);
  writeFileSync(join(conf, 'ebpf.d', 'network.conf'), NETWORK_CONF);
  const r = spawnSync(PLUGIN, ['--check', '--json', '--log-level', 'error', '--config-dir', conf, ...only], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  rmSync(conf, { recursive: true, force: true });
  return (r.stdout ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return undefined;
      }
    })
    .filter(Boolean);
}

/** A self-test or start failure caused only by the collector not implementing the mode. */
function notImplemented(result) {
  return result.ok === false && result.report?.attempts?.every((a) => a.code === 'NOT_IMPLEMENTED');
}

function summarize(result) {
  if (result.skipped === 'no self-test') return 'skip';
  // The VM is our controlled environment: a self-test that found no way to run there is a failure of the lane.
  if (result.skipped) return 'SKIP';
  if (notImplemented(result)) return 'n/a';
  if (result.ok) return 'PASS';
  return 'FAIL';
}

/** Lane failures worth one more VM: the guest died or wedged, which its next boot may not repeat. */
const RETRIED = new Set(['TIMEOUT', 'GUEST_CRASHED', 'BOOT_FAILED']);

/**
 * Every attach mode in its own VM (the first also runs the `auto` check), each retried once
 * when the guest died or wedged.
 * @returns merged results, per-VM timings, retries and the modes whose VM failed twice
 */
async function runModes(options) {
  const results = [];
  const vms = [];
  const retries = [];
  const lost = [];
  let exitProblems = '';
  for (const [index, mode] of options.modes.entries()) {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await runInVm({
          command: guestScript(options, [mode], index === 0),
          cwd: ROOT,
          timeoutMs: options.timeoutMs,
          log: stderrLog,
          onStderr: (text) => {
            // progress: the plugin's own errors (log level error) show up here as they happen
            if (text.trim()) process.stderr.write(text.replace(/^/gm, `[guest ${mode}] `));
          },
        });
        results.push(...parseResults(result.stdout));
        vms.push({ mode, kernelRelease: result.kernelRelease, bootMs: result.bootMs, commandMs: result.commandMs });
        if (result.exitCode !== 0) exitProblems += `${mode}: guest script exited ${result.exitCode}\n${result.stderr.slice(-2000)}\n`;
        break;
      } catch (error) {
        if (!(error instanceof VmError) || !RETRIED.has(error.code)) throw error;
        process.stderr.write(`run-matrix: ${mode}: the VM lane failed (${error.code}): ${error.message}\n`);
        if (attempt === 2) {
          lost.push(`${mode}: the VM failed twice (${error.code})`);
          break;
        }
        retries.push(`${mode} (${error.code})`);
        process.stderr.write(`run-matrix: ${mode}: retrying once in a fresh VM\n`);
      }
    }
  }
  return { results, vms, retries, lost, exitProblems };
}

function main() {
  const options = parse();
  const started = Date.now();
  const host = hostAuto(options);
  // Collectors whose charts or hooks change with `ebpf load mode` (the plugin's --check --json says which).
  options.returnCollectors = host.filter((h) => h.kind === 'attach' && h.usesLoadMode).map((h) => h.collector);
  process.stderr.write(`run-matrix: return load mode only for ${options.returnCollectors.join(', ') || 'no collector'} (the others do not use it)\n`);
  return runModes(options)
    .then(({ results, vms, retries, lost, exitProblems }) => {
      const failures = [...lost];
      const lines = [];
      const seconds = (ms) => (ms === undefined ? '?' : Math.round(ms / 1000));
      lines.push(`VM kernel ${vms[0]?.kernelRelease ?? '?'}; per mode: ${vms.map((v) => `${v.mode} boot ${seconds(v.bootMs)} s + ${seconds(v.commandMs)} s`).join(', ')}`);
      if (retries.length > 0) lines.push(`VMs retried after the guest died or wedged: ${retries.join(', ')}`);
      lines.push('');
      lines.push('auto attach mode      host (this kernel)      VM (stock 6.1)');
      const vmAuto = results.filter((r) => r.cell === 'auto' && r.kind === 'attach');
      const names = [...new Set([...host.map((h) => h.collector), ...vmAuto.map((v) => v.collector)])];
      for (const name of names) {
        const h = host.find((x) => x.collector === name)?.chosen ?? 'none';
        const v = vmAuto.find((x) => x.collector === name)?.chosen ?? 'none';
        const implementsTrampoline = !vmAuto
          .find((x) => x.collector === name)
          ?.attempts?.some((a) => a.mode === 'trampoline' && a.code === 'NOT_IMPLEMENTED');
        // No kprobes or fentry here: auto must land on tracepoints, unless a collector's
        // trampoline family is built from tp_btf programs (irq), which this kernel runs, or it
        // has no tracepoint implementation (dc, swap, mdflush: nothing to attach here is right).
        const noTracepoint = host
          .find((x) => x.collector === name)
          ?.attempts?.some((a) => a.mode === 'tracepoint' && a.code === 'NOT_IMPLEMENTED');
        const okHost = h === 'tracepoint' || h === 'trampoline' || (h === 'none' && noTracepoint === true);
        const okVm = implementsTrampoline ? v === 'trampoline' : v !== 'none';
        if (!okHost) failures.push(`${name}: auto chose ${h} on the host, expected tracepoint (or a tp_btf trampoline family)`);
        if (!okVm) failures.push(`${name}: auto chose ${v} in the VM, expected ${implementsTrampoline ? 'trampoline' : 'a working mode'}`);
        lines.push(`  ${name.padEnd(18)}  ${(okHost ? '' : 'FAIL ') + h}`.padEnd(46) + `${okVm ? '' : 'FAIL '}${v}`);
      }
      lines.push('');
      const cells = options.modes.flatMap((m) => options.loadModes.map((l) => `${m}/${l}`));
      const selfTests = results.filter((r) => r.kind === 'self-test');
      const collectors = [...new Set(selfTests.map((r) => r.collector))];
      lines.push(`${'collector'.padEnd(12)}${cells.map((c) => c.padEnd(19)).join('')}`);
      for (const name of collectors) {
        const row = cells.map((cell) => {
          const r = selfTests.find((x) => x.cell === cell && x.collector === name);
          // Not run in return mode on purpose: the load mode changes nothing in it (same cell as entry).
          if (!r && cell.endsWith('/return') && !options.returnCollectors.includes(name)) return '= entry'.padEnd(19);
          const verdict = r ? summarize(r) : 'missing';
          if (verdict === 'FAIL' || verdict === 'SKIP' || verdict === 'missing') failures.push(`${name} ${cell}: ${verdict}`);
          return verdict.padEnd(19);
        });
        lines.push(`${name.padEnd(12)}${row.join('')}`);
      }
      lines.push('');
      lines.push('counts seen (seen >= expected):');
      for (const r of selfTests) {
        const verdict = summarize(r);
        if (verdict === 'skip') continue;
        if (verdict === 'SKIP') {
          lines.push(`  ${r.cell.padEnd(18)} ${r.collector}: skipped: ${r.skipped}`);
          continue;
        }
        if (verdict === 'n/a') {
          lines.push(`  ${r.cell.padEnd(18)} ${r.collector}: not implemented in this mode (see its README)`);
          continue;
        }
        if (r.error) lines.push(`  ${r.cell.padEnd(18)} ${r.collector}: ${verdict}: ${r.error}`);
        for (const c of r.checks ?? []) {
          lines.push(`  ${r.cell.padEnd(18)} ${r.collector}: ${c.ok ? 'ok  ' : 'FAIL'} ${c.chart} ${c.dimension} ${c.seen} >= ${c.atLeast}`);
        }
      }
      const times = results.filter((r) => r.kind === 'cell-time').map((r) => `${r.cell} ${r.seconds}s`);
      lines.push('', `cell times: ${times.join(', ')}`);
      lines.push(`total ${Math.round((Date.now() - started) / 1000)} s`);
      if (failures.length) lines.push('', 'failures:', ...failures.map((f) => `  ${f}`));
      const verdicts = selfTests.map(summarize);
      const passed = verdicts.filter((v) => v === 'PASS').length;
      const failed = verdicts.filter((v) => v === 'FAIL' || v === 'SKIP').length + (failures.length && verdicts.every((v) => v !== 'FAIL' && v !== 'SKIP') ? failures.length : 0);
      lines.push('', failures.length ? 'VM matrix: FAIL' : 'VM matrix: PASS');
      // The plain closing line CI reads: cells (collector x mode x load mode) that passed and failed.
      lines.push(`matrix: ${passed} passed, ${failed} failed`);
      process.stdout.write(`${lines.join('\n')}\n`);
      if (options.json) writeFileSync(options.json, JSON.stringify({ host, results, failures, retries }, null, 2));
      if (exitProblems) process.stderr.write(`run-matrix: ${exitProblems}`);
      return failures.length ? 1 : 0;
    })
    .catch((error) => {
      if (error instanceof VmError) {
        process.stderr.write(`run-matrix: the VM lane failed (${error.code}): ${error.message}\n`);
        return 2;
      }
      throw error;
    });
}

main().then((code) => process.exit(code));
