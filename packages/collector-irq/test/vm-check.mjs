#!/usr/bin/env node
/**
 * Start both irq collectors in each attach mode on whatever kernel runs this
 * (meant for the VM lane: `node test/vm/run.mjs -- node packages/collector-irq/test/vm-check.mjs`
 * from the repository root), collect across a short workload, print one line
 * per collector and mode, and exit non-zero when a mode that should work did not.
 */
import { fsyncSync, mkdtempSync, openSync, closeSync, writeSync, rmSync } from 'node:fs';
import { tmpdir, release } from 'node:os';
import { join } from 'node:path';
import { createLoader } from '@ebpf-collectors/loader-native';
import { createHardirqCollector, createSoftirqCollector } from '../dist/index.js';

const loader = createLoader();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let failed = false;

function config(module, coreTracing) {
  return { module, enabled: true, loadMode: 'entry', apps: false, cgroups: false, updateEvery: 1, pidTableSize: 32768,
    typeFormat: 'co-re', coreTracing, collectPid: 'not set', mapsPerCore: false, lifetime: 300, btfPath: '', origin: 'user', sections: new Map() };
}

function work() {
  const dir = mkdtempSync(join(tmpdir(), 'irq-vm-'));
  for (let i = 0; i < 5; i++) {
    const fd = openSync(join(dir, 'f'), 'w');
    writeSync(fd, Buffer.alloc(4096, 1));
    fsyncSync(fd);
    closeSync(fd);
  }
  rmSync(dir, { recursive: true, force: true });
}

for (const [create, module] of [[createHardirqCollector, 'hardirq'], [createSoftirqCollector, 'softirq']]) {
  for (const mode of ['trampoline', 'tracepoint']) {
    try {
      const instance = await create().start({ config: config(module, mode), loader, logger: quiet, grouping: {}, createAccumulator() { throw new Error('unused'); }, signal: new AbortController().signal });
      const first = instance.collect();
      work();
      await new Promise((r) => setTimeout(r, 1500));
      const second = instance.collect();
      instance.close();
      const values = second.charts[0].values;
      const before = first.charts[0].values;
      const moved = [...values].filter(([id, v]) => v > (before.get(id) ?? 0n)).map(([id, v]) => `${id}+${v - (before.get(id) ?? 0n)}us`);
      console.log(`${release()} ${module} ${mode}: ok, ${moved.join(' ')}`);
      if (moved.length === 0) failed = true;
    } catch (error) {
      failed = true;
      console.log(`${release()} ${module} ${mode}: FAILED ${error.message} ${JSON.stringify(error.report ?? {})}`);
    }
  }
}
process.exitCode = failed ? 1 : 0;
