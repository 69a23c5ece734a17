/**
 * What NetdataSerializer writes, read back by the strict 1.37 parser: no
 * violations, and the agent ends up with the charts and values we meant.
 */
import type { ChartDefinition, OutputFrame } from '@ebpf-collectors/core';
import { NetdataSerializer } from '@ebpf-collectors/output-netdata';
import { describe, expect, it } from 'vitest';
import { parseNetdataStream } from '../src/netdata-protocol.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Small deterministic generator so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function chart(overrides: Partial<ChartDefinition> & Pick<ChartDefinition, 'type' | 'id'>): ChartDefinition {
  return {
    title: 'Title',
    units: 'calls/s',
    family: 'family',
    context: '',
    chartType: 'line',
    priority: 1000,
    updateEvery: 1,
    module: 'test',
    dimensions: [],
    ...overrides,
  };
}

describe('NetdataSerializer -> strict 1.37 parser', () => {
  it('a multi-tick session with awkward text, growing dimensions, labels, obsolete charts and extreme values parses cleanly and keeps every value', () => {
    const next = random(20240607);
    const apps = ['ssh', 'my app', "it's", 'back\\slash', 'a=b', 'ünïcødé', 'other'];
    const charts = {
      sync: chart({
        type: 'mem',
        id: 'file_sync',
        title: 'Monitor calls for <code>fsync(2)</code> and <code>fdatasync(2)</code>.',
        family: 'synchronization (eBPF)',
        dimensions: [
          { id: 'fsync', name: 'fsync', algorithm: 'incremental' },
          { id: 'fdatasync', name: 'fdatasync', algorithm: 'incremental' },
        ],
      }),
      odd: chart({
        type: 'test',
        id: 'odd',
        title: 'It\'s "odd" = very; tab\there',
        units: "app's",
        family: '"quoted" family',
        context: 'test.odd',
        chartType: 'stacked',
        labels: { app_group: 'my app', "o'clock": 'a "b"' },
        dimensions: [
          { id: 'neg', name: 'sent', algorithm: 'incremental', multiplier: -1, divisor: 8 },
          { id: 'hidden one', algorithm: 'absolute', hidden: true },
        ],
      }),
    };
    const cgroup = chart({ type: 'cgroup_web', id: 'file_open', context: 'cgroup.fd_open', dimensions: [{ id: 'do_sys_open', name: 'open', algorithm: 'incremental' }] });

    const serializer = new NetdataSerializer();
    const expected: Array<{ chart: string; values: Record<string, bigint> }> = [];
    let text = '';
    for (let t = 1; t <= 29; t++) {
      // Apps appear one by one, as processes of new groups show up.
      const exposed = apps.slice(0, Math.min(apps.length, 1 + Math.floor(t / 4)));
      const appsChart = chart({
        type: 'apps',
        id: 'file_open',
        chartType: 'stacked',
        dimensions: exposed.map((id) => ({ id, algorithm: 'incremental' as const })),
      });
      const value = (): bigint => {
        const r = next();
        if (r < 0.05) return 2n ** 64n + BigInt(t);
        if (r < 0.1) return -(2n ** 64n);
        if (r < 0.3) return -BigInt(Math.floor(next() * 1e6));
        return BigInt(Math.floor(next() * 1e12));
      };
      const valuesOf = (definition: ChartDefinition): Map<string, bigint> =>
        new Map(definition.dimensions.filter(() => next() > 0.1).map((d) => [d.id, value()]));

      const listed = [charts.sync, charts.odd, appsChart, ...(t % 10 < 5 ? [cgroup] : [])];
      const frame: OutputFrame = {
        timeMs: t * 1000,
        frames: [
          {
            collector: 'mixed',
            frame: {
              charts: listed.map((definition) => ({ chart: definition, values: valuesOf(definition) })),
              obsolete: t % 10 === 5 ? ['cgroup_web.file_open'] : [],
            },
          },
        ],
      };
      for (const { chart: definition, values } of frame.frames[0]?.frame.charts ?? []) {
        const clamped = [...values].map(([id, v]) => [id, v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v] as const);
        expected.push({ chart: `${definition.type}.${definition.id}`, values: Object.fromEntries(clamped) });
      }
      text += serializer.serialize(frame);
    }

    const parsed = parseNetdataStream(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.blocks).toBe(expected.length);
    expect(parsed.values.map((b) => ({ chart: b.chart, values: Object.fromEntries(b.values) }))).toEqual(expected);

    const sync = parsed.charts.get('mem.file_sync');
    expect(sync?.title).toBe(charts.sync.title);
    expect(sync?.family).toBe('synchronization (eBPF)');
    expect(sync?.plugin).toBe('ebpf.plugin');

    const odd = parsed.charts.get('test.odd');
    // Both quote kinds in one text: the apostrophe becomes typographic; tabs become spaces.
    expect(odd?.title).toBe('It’s "odd" = very; tab here');
    expect(odd?.units).toBe("app's");
    expect(odd?.family).toBe('"quoted" family');
    expect(odd?.chartType).toBe('stacked');
    expect(Object.fromEntries([...(odd?.labels ?? [])].map(([k, v]) => [k, v.value]))).toEqual({ app_group: 'my app', "o'clock": 'a "b"' });
    expect(odd?.dimensions.get('neg')).toMatchObject({ name: 'sent', algorithm: 'incremental', multiplier: -1, divisor: 8 });
    expect(odd?.dimensions.get('hidden one')?.hidden).toBe(true);

    const appsParsed = parsed.charts.get('apps.file_open');
    expect([...(appsParsed?.dimensions.keys() ?? [])]).toEqual(apps);
    expect(appsParsed?.declarations).toBe(apps.length);

    // Declared at t=1, 10, 20 and obsoleted at t=5, 15, 25: six CHART lines, obsolete at the end.
    const cg = parsed.charts.get('cgroup_web.file_open');
    expect(cg?.obsolete).toBe(true);
    expect(cg?.declarations).toBe(6);
  });

  it('obsolete() output parses and leaves the chart obsolete', () => {
    const serializer = new NetdataSerializer();
    const definition = chart({ type: 'system', id: 'exit', dimensions: [{ id: 'do_exit', name: 'process', algorithm: 'absolute' }] });
    const text =
      serializer.serialize({ timeMs: 0, frames: [{ collector: 'p', frame: { charts: [{ chart: definition, values: new Map([['do_exit', 1n]]) }] } }] }) +
      serializer.obsolete([definition]);
    const parsed = parseNetdataStream(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.charts.get('system.exit')?.obsolete).toBe(true);
  });
});
