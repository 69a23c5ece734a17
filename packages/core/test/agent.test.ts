import { describe, expect, it } from 'vitest';
import type { BpfMap, BpfObject, Loader } from '@ebpf-collectors/loader-native';
import {
  AttachError,
  OutputClosedError,
  INTERNAL_COLLECTOR,
  createAgent,
  type AgentClock,
  type CollectorConfig,
  type CollectorDefinition,
  type CollectorFrame,
  type GroupingSource,
  type Logger,
  type OutputFrame,
} from '../src/index.js';

function config(module: string, updateEvery: number, enabled = true): CollectorConfig {
  return {
    module,
    enabled,
    loadMode: 'entry',
    apps: false,
    cgroups: false,
    updateEvery,
    pidTableSize: 32768,
    typeFormat: 'auto',
    coreTracing: 'trampoline',
    collectPid: 'real parent',
    mapsPerCore: false,
    lifetime: 300,
    btfPath: '/sys/kernel/btf/',
    origin: 'default',
    sections: new Map(),
  };
}

interface Probe {
  collects: number;
  closed: number;
}

function collector(
  name: string,
  probe: Probe,
  behaviour: { startError?: Error; collectError?: () => boolean; objects?: BpfObject[] } = {},
): CollectorDefinition {
  return {
    name,
    configKeys: [name],
    configFile: `${name}.conf`,
    cliFlag: name,
    enabledByDefault: true,
    defaultCollectPid: 'real parent',
    modes: ['tracepoint'],
    description: name,
    async start() {
      if (behaviour.startError) throw behaviour.startError;
      return {
        attachMode: 'tracepoint',
        report: { collector: name, chosen: 'tracepoint', attempts: [{ mode: 'tracepoint', ok: true }] },
        charts: () => [],
        collect(): CollectorFrame {
          probe.collects++;
          if (behaviour.collectError?.()) throw new Error(`${name} read failed`);
          return { charts: [] };
        },
        close() {
          probe.closed++;
        },
        ...(behaviour.objects ? { bpfObjects: () => behaviour.objects! } : {}),
      };
    },
  };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

function grouping(): GroupingSource & { scans: number } {
  return {
    scans: 0,
    scan() {
      this.scans++;
    },
    appOf: () => undefined,
    cgroupOf: () => undefined,
    serviceOf: () => undefined,
    exposedApps: () => [],
    cgroups: () => [],
    services: () => [],
    isAlive: () => true,
  };
}

const noLoader = {} as Loader;

function base(collectors: CollectorDefinition[], configs: CollectorConfig[], frames: OutputFrame[], logger = recordingLogger()) {
  return {
    collectors,
    configs: new Map(configs.map((c) => [c.module, c])),
    outputs: [{ name: 'memory', write: (f: OutputFrame) => void frames.push(f), close: () => {} }],
    loader: noLoader,
    logger,
    grouping: grouping(),
    createAccumulator: () => ({ update: () => new Map() }),
  };
}

describe('agent scheduling', () => {
  it('collects each collector on its own interval and writes one frame per tick', async () => {
    const fast: Probe = { collects: 0, closed: 0 };
    const slow: Probe = { collects: 0, closed: 0 };
    const frames: OutputFrame[] = [];
    const agent = createAgent(base([collector('fast', fast), collector('slow', slow)], [config('fast', 1), config('slow', 2)], frames));
    const started = await agent.start();
    expect(started.running.map((r) => r.name)).toEqual(['fast', 'slow']);
    for (let second = 100; second < 106; second++) await agent.tick(second);
    expect(fast.collects).toBe(6);
    expect(slow.collects).toBe(3);
    expect(frames).toHaveLength(6);
    expect(frames.map((f) => f.frames.map((x) => x.collector).join('+'))).toEqual([
      'fast+slow',
      'fast',
      'fast+slow',
      'fast',
      'fast+slow',
      'fast',
    ]);
    await agent.close();
    await agent.close();
    expect(fast.closed).toBe(1);
    expect(slow.closed).toBe(1);
  });

  it('collects first at the first tick after start, then every update every from there, also after skipped ticks', async () => {
    const probe: Probe = { collects: 0, closed: 0 };
    const frames: OutputFrame[] = [];
    const agent = createAgent(base([collector('five', probe)], [config('five', 5)], frames));
    await agent.start();
    // 101 is not a multiple of 5: the first charts still come at once, not at 105.
    for (const second of [101, 102, 105, 106, 110, 111, 118, 120, 123]) await agent.tick(second);
    expect(frames.map((f) => f.wallTimeMs / 1000)).toEqual([101, 106, 111, 118, 123]);
    await agent.close();
  });

  it('skips disabled collectors and keeps going when one cannot attach', async () => {
    const ok: Probe = { collects: 0, closed: 0 };
    const off: Probe = { collects: 0, closed: 0 };
    const report = { collector: 'broken', attempts: [{ mode: 'tracepoint' as const, ok: false, reason: 'EPERM' }] };
    const logger = recordingLogger();
    const agent = createAgent(
      base(
        [collector('ok', ok), collector('off', off), collector('broken', { collects: 0, closed: 0 }, { startError: new AttachError(report) })],
        [config('ok', 1), config('off', 1, false), config('broken', 1)],
        [],
        logger,
      ),
    );
    const started = await agent.start();
    expect(started.running.map((r) => r.name)).toEqual(['ok']);
    expect(started.failed).toHaveLength(1);
    expect(started.failed[0]?.report).toEqual(report);
    expect(started.reports.map((r) => r.collector)).toEqual(['ok', 'broken']);
    expect(logger.lines.some((l) => l.startsWith('error broken: not started'))).toBe(true);
    await agent.close();
  });

  it('logs a failing collection once, not every second, and recovers', async () => {
    const probe: Probe = { collects: 0, closed: 0 };
    let failing = true;
    const logger = recordingLogger();
    const frames: OutputFrame[] = [];
    const agent = createAgent(base([collector('flaky', probe, { collectError: () => failing })], [config('flaky', 1)], frames, logger));
    await agent.start();
    for (let s = 0; s < 10; s++) await agent.tick(s);
    failing = false;
    await agent.tick(10);
    expect(probe.collects).toBe(11);
    expect(logger.lines.filter((l) => l.includes('collection failed'))).toHaveLength(1);
    expect(logger.lines.some((l) => l.includes('collecting again after 10 failure(s)'))).toBe(true);
    expect(frames).toHaveLength(1);
    await agent.close();
  });

  it('run() returns output-closed when the output reports its reader is gone', async () => {
    let now = 1_000_000;
    const clock: AgentClock = {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    };
    const probe: Probe = { collects: 0, closed: 0 };
    let writes = 0;
    const options = base([collector('c', probe)], [config('c', 1)], []);
    const agent = createAgent({
      ...options,
      clock,
      outputs: [
        {
          name: 'pipe',
          write: () => {
            if (++writes === 3) throw new OutputClosedError('pipe');
          },
          close: () => {},
        },
      ],
    });
    await agent.start();
    await expect(agent.run()).resolves.toBe('output-closed');
    expect(writes).toBe(3);
    await agent.close();
    expect(probe.closed).toBe(1);
  });

  it('run() during start() ticks once the first collector runs and adds the later ones as they attach', async () => {
    let now = 7_000_000;
    const stop = new AbortController();
    const clock: AgentClock = {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const late = collector('late', { collects: 0, closed: 0 });
    const lateStart = late.start.bind(late);
    const frames: OutputFrame[] = [];
    const options = base(
      [collector('early', { collects: 0, closed: 0 }), { ...late, start: async (context) => (await gate, lateStart(context)) }],
      [config('early', 1), config('late', 1)],
      frames,
    );
    const agent = createAgent({
      ...options,
      clock,
      outputs: [
        {
          name: 'memory',
          write: (f: OutputFrame) => {
            frames.push(f);
            if (frames.length === 2) release();
            if (frames.length === 5) stop.abort();
          },
          close: () => {},
        },
      ],
    });
    const starting = agent.start(stop.signal);
    const ran = agent.run(stop.signal);
    expect((await starting).running.map((r) => r.name)).toEqual(['early', 'late']);
    await expect(ran).resolves.toBe('signal');
    const collectors = frames.map((f) => f.frames.map((x) => x.collector).join('+'));
    expect(collectors.slice(0, 2)).toEqual(['early', 'early']);
    expect(collectors.at(-1)).toBe('early+late');
    await agent.close();
  });

  it('run() during start() returns no-collectors when none attaches', async () => {
    const report = { collector: 'broken', attempts: [{ mode: 'tracepoint' as const, ok: false, reason: 'EPERM' }] };
    const agent = createAgent(
      base([collector('broken', { collects: 0, closed: 0 }, { startError: new AttachError(report) })], [config('broken', 1)], [], recordingLogger()),
    );
    const starting = agent.start();
    await expect(agent.run()).resolves.toBe('no-collectors');
    expect((await starting).failed).toHaveLength(1);
    await agent.close();
  });

  it('run() stops on abort and rescans processes every scanEvery seconds', async () => {
    let now = 5_000_000;
    const stop = new AbortController();
    const clock: AgentClock = {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        if (now >= 5_000_000 + 25_000) stop.abort();
      },
    };
    const options = base([collector('c', { collects: 0, closed: 0 })], [config('c', 1)], []);
    const agent = createAgent({ ...options, clock, scanEvery: 10 });
    await agent.start();
    await expect(agent.run(stop.signal)).resolves.toBe('signal');
    // one scan at start (second 5000) and at 5010 and 5020
    expect(options.grouping.scans).toBe(3);
    await agent.close();
  });
});

describe('internal charts (netdata.ebpf_*)', () => {
  /** A loaded object as the internal charts see it: maps with a kind and a memlock. */
  function object(maps: Array<{ kind: string; memlock: number }>): BpfObject & { memlockReads: number } {
    const o = {
      memlockReads: 0,
      maps: new Map(
        maps.map((m, i) => [
          `m${i}`,
          {
            kind: m.kind,
            memlock: () => {
              o.memlockReads++;
              return m.memlock;
            },
          } as unknown as BpfMap,
        ]),
      ),
    };
    return o as unknown as BpfObject & { memlockReads: number };
  }

  it('every update every seconds: enabled vs healthy collectors, load methods, map memory and hash tables', async () => {
    const frames: OutputFrame[] = [];
    const objA = object([
      { kind: 'percpu_array', memlock: 4096 },
      { kind: 'hash', memlock: 100_000 },
    ]);
    const objB = object([{ kind: 'lru_hash', memlock: 50_000 }]);
    let failNow = false;
    const broken = new AttachError({ collector: 'broken', attempts: [{ mode: 'tracepoint', ok: false, reason: 'EPERM' }] });
    const agent = createAgent({
      ...base(
        [
          collector('a', { collects: 0, closed: 0 }, { objects: [objA] }),
          collector('b', { collects: 0, closed: 0 }, { objects: [objB], collectError: () => failNow }),
          collector('plain', { collects: 0, closed: 0 }),
          collector('broken', { collects: 0, closed: 0 }, { startError: broken }),
        ],
        [config('a', 1), { ...config('b', 1), typeFormat: 'legacy' }, config('plain', 1), config('broken', 1)],
        frames,
      ),
      internalCharts: { updateEvery: 2 },
    });
    await agent.start();
    await agent.tick(100);
    await agent.tick(101);
    failNow = true;
    await agent.tick(102);
    const internal = frames.map((f) => f.frames.find((x) => x.collector === INTERNAL_COLLECTOR)?.frame);
    expect(internal.map((f) => f !== undefined)).toEqual([true, false, true]);
    const values = (frame: CollectorFrame | undefined) =>
      Object.fromEntries(frame!.charts.map((c) => [`${c.chart.type}.${c.chart.id}`, Object.fromEntries(c.values)]));
    expect(values(internal[0])).toEqual({
      'netdata.ebpf_threads': { total: 4n, running: 3n },
      'netdata.ebpf_load_methods': { legacy: 1n, 'co-re': 2n },
      'netdata.ebpf_kernel_memory': { memory_locked: 154_096n },
      'netdata.ebpf_hash_tables_count': { hash_table: 2n },
    });
    // b's collection failed at 102 (before the internal frame): running drops.
    expect(values(internal[2])['netdata.ebpf_threads']).toEqual({ total: 4n, running: 2n });
    // Map memory does not change once loaded: read once per map.
    expect(objA.memlockReads + objB.memlockReads).toBe(3);
    const threads = internal[0]!.charts[0]!.chart;
    expect(threads).toMatchObject({ title: 'Threads info.', units: 'threads', family: 'ebpf', priority: 140000, updateEvery: 2, chartType: 'line' });
    await agent.close();
  });

  it('none without the option', async () => {
    const frames: OutputFrame[] = [];
    const agent = createAgent(base([collector('a', { collects: 0, closed: 0 })], [config('a', 1)], frames));
    await agent.start();
    await agent.tick(100);
    expect(frames[0]!.frames.map((f) => f.collector)).toEqual(['a']);
    await agent.close();
  });
});
