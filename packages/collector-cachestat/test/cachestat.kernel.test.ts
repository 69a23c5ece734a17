/**
 * The cachestat collector on the running kernel in tracepoint mode (the one
 * mode this host attaches): its self-test's file workload must move dirty
 * pages and misses, with the events on tp_btf, raw_tp and perf-event
 * tracepoints alike. Trampoline and probe modes run in the VM lane.
 */
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { PidTable, TRACEPOINT_KIND_ENV, chartKey, runSelfTest } from '@ebpf-collectors/core';
import { createLoader, type Loader } from '@ebpf-collectors/loader-native';
import { collectorConfig, kernelTestSkipReason, memoryLogger, testContext } from '@ebpf-collectors/test-utils';
import { createCachestatCollector, scalePages } from '../src/index.js';

const OBJECT = fileURLToPath(new URL('../bpf/cachestat.bpf.o', import.meta.url));
const skip = kernelTestSkipReason({ tracefs: true, tools: ['python3'], files: [OBJECT] });

describe.skipIf(skip !== undefined)(`cachestat collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let loader: Loader;
  beforeAll(() => {
    loader = createLoader();
  });

  it.each(['tp_btf', 'raw_tp', 'tracepoint'] as const)('tracepoint mode on %s: the self-test sees dirty pages and misses; no hit or ratio charts', async (kind) => {
    const config = collectorConfig('cachestat', { typeFormat: 'co-re', coreTracing: 'tracepoint' });
    const collector = createCachestatCollector({ objectPath: OBJECT });
    const logger = memoryLogger();
    const grouping = new PidTable();
    // tp_btf is what this kernel picks; raw_tp and the perf-event tracepoints are the fallbacks, forced here.
    process.env[TRACEPOINT_KIND_ENV] = kind;
    const instance = await collector.start(testContext({ config, loader, grouping, logger })).finally(() => {
      delete process.env[TRACEPOINT_KIND_ENV];
    });
    try {
      expect(instance.attachMode).toBe('tracepoint');
      const suffix = kind === 'tracepoint' ? '' : `_${kind}`;
      expect(logger.lines.join('\n')).toContain(`programs tracepoint_add${suffix}, tracepoint_dirtied${suffix}, tracepoint_buffer_dirty${suffix} on`);
      expect(instance.charts().map(chartKey)).toEqual(['mem.cachestat_dirties', 'mem.cachestat_misses']);
      const result = await runSelfTest({ name: 'cachestat', selfTest: collector.selfTest!, instance, config, grouping, logger, scale: 0.5 });
      expect(result.error, logger.lines.join('\n')).toBeUndefined();
      const pages = BigInt(scalePages(0.5));
      expect(result.checks.map((c) => `${c.chart}.${c.dimension}`)).toEqual(['mem.cachestat_dirties.dirty', 'mem.cachestat_misses.miss']);
      for (const check of result.checks) expect(check.seen, `${check.chart}: ${check.why}`).toBeGreaterThanOrEqual(check.atLeast);
      // The misses of the cold reads are the pages read, give or take others' activity.
      expect(result.checks[1]!.seen).toBeGreaterThanOrEqual(pages / 2n);
    } finally {
      instance.close();
    }
  });
});
