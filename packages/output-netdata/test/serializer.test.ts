import { readFileSync } from 'node:fs';
import type { ChartDefinition, CollectorFrame, OutputFrame } from '@ebpf-collectors/core';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, NetdataSerializer } from '../src/serializer.js';
import type { SerializerDiagnostic } from '../src/types.js';

/** Hand-written expected transcripts (test/fixtures/*.txt). */
function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

function values(entries: Record<string, bigint>): ReadonlyMap<string, bigint> {
  return new Map(Object.entries(entries));
}

function tick(timeMs: number, frames: Record<string, CollectorFrame>): OutputFrame {
  return { timeMs, wallTimeMs: timeMs, frames: Object.entries(frames).map(([collector, frame]) => ({ collector, frame })) };
}

const mountCall: ChartDefinition = {
  type: 'mount_points',
  id: 'call',
  title: 'Calls to mount and umount syscalls',
  units: 'calls/s',
  family: 'mount (eBPF)',
  context: '',
  chartType: 'line',
  priority: 2190,
  updateEvery: 5,
  module: 'mount',
  dimensions: [
    { id: 'mount', name: 'mount', algorithm: 'incremental' },
    { id: 'umount', name: 'umount', algorithm: 'incremental' },
  ],
};

function appsFileOpen(groups: string[]): ChartDefinition {
  return {
    type: 'apps',
    id: 'file_open',
    title: 'Number of open files',
    units: 'calls/s',
    family: 'file_access',
    context: '',
    chartType: 'stacked',
    priority: 20061,
    updateEvery: 5,
    module: 'filedescriptor',
    dimensions: groups.map((id) => ({ id, algorithm: 'incremental' as const })),
  };
}

const cgroupFileOpen: ChartDefinition = {
  type: 'cgroup_web',
  id: 'file_open',
  title: 'Number of open files',
  units: 'calls/s',
  family: 'file_access (eBPF)',
  context: 'cgroup.fd_open',
  chartType: 'line',
  priority: 45400,
  updateEvery: 5,
  module: 'filedescriptor',
  dimensions: [{ id: 'do_sys_open', name: 'open', algorithm: 'incremental' }],
};

describe('NetdataSerializer session transcripts', () => {
  it('declares on the first tick, sends only data blocks on the second, re-declares on a new dimension, obsoletes and re-declares', () => {
    const serializer = new NetdataSerializer();

    const first = serializer.render(
      tick(5000, {
        mount: { charts: [{ chart: mountCall, values: values({ mount: 12n, umount: 9n }) }] },
        filedescriptor: {
          charts: [
            { chart: appsFileOpen(['ssh', 'other']), values: values({ ssh: 40n, other: 3n }) },
            { chart: cgroupFileOpen, values: values({ do_sys_open: 7n }) },
          ],
        },
      }),
    );
    expect(first.text).toBe(fixture('tick1-declare.txt'));
    expect(first.diagnostics).toEqual([]);

    // A missing value is a gap: no SET, and no re-declaration of anything.
    const second = serializer.serialize(
      tick(10000, {
        mount: { charts: [{ chart: mountCall, values: values({ umount: 10n }) }] },
        filedescriptor: {
          charts: [
            { chart: appsFileOpen(['ssh', 'other']), values: values({ other: 3n, ssh: 55n }) },
            { chart: cgroupFileOpen, values: values({ do_sys_open: 9n }) },
          ],
        },
      }),
    );
    expect(second).toBe(fixture('tick2-values.txt'));

    const third = serializer.serialize(
      tick(15000, {
        mount: { charts: [{ chart: mountCall, values: values({ mount: 13n, umount: 11n }) }] },
        filedescriptor: {
          charts: [{ chart: appsFileOpen(['ssh', 'nginx', 'other']), values: values({ ssh: 60n, nginx: 2n, other: 4n }) }],
          obsolete: ['cgroup_web.file_open'],
        },
      }),
    );
    expect(third).toBe(fixture('tick3-new-dimension-and-obsolete.txt'));
    expect(serializer.declaredCharts().sort()).toEqual(['apps.file_open', 'mount_points.call']);

    const fourth = serializer.serialize(
      tick(20000, {
        filedescriptor: {
          charts: [
            { chart: appsFileOpen(['ssh', 'other']), values: values({ ssh: 61n, other: 4n }) },
            { chart: cgroupFileOpen, values: values({ do_sys_open: 1n }) },
          ],
        },
      }),
    );
    expect(fourth).toBe(fixture('tick4-removed-dimension-and-redeclare.txt'));
  });

  it('sends chart labels right after CHART, committed once', () => {
    const chart: ChartDefinition = {
      type: 'app',
      id: 'ssh_ebpf_file_open',
      title: 'Number of open files',
      units: 'calls/s',
      family: 'file_access',
      context: 'app.ebpf_file_open',
      chartType: 'stacked',
      priority: 20061,
      updateEvery: 5,
      module: 'filedescriptor',
      dimensions: [{ id: 'calls', name: 'calls', algorithm: 'incremental' }],
      labels: { app_group: 'ssh', owner: 'team a' },
    };
    const serializer = new NetdataSerializer();
    expect(serializer.serialize(tick(5000, { fd: { charts: [{ chart, values: values({ calls: 5n }) }] } }))).toBe(fixture('labels.txt'));
    // Unchanged labels are not re-sent; changed ones re-declare the chart.
    expect(serializer.serialize(tick(10000, { fd: { charts: [{ chart, values: values({ calls: 6n }) }] } }))).toBe(
      'BEGIN app.ssh_ebpf_file_open 5000000\nSET calls = 6\nEND\n',
    );
    const relabelled = { ...chart, labels: { app_group: 'sshd' } };
    expect(serializer.serialize(tick(15000, { fd: { charts: [{ chart: relabelled, values: values({}) }] } }))).toContain(
      "CLABEL 'app_group' 'sshd' 1\nCLABEL_COMMIT\nDIMENSION calls calls incremental 1 1\nBEGIN app.ssh_ebpf_file_open 5000000\nEND\n",
    );
  });

  it('quotes every text field so the agent tokeniser reads it back', () => {
    const sync: ChartDefinition = {
      type: 'mem',
      id: 'file_sync',
      title: 'Monitor calls for <code>fsync(2)</code> and <code>fdatasync(2)</code>.',
      units: 'calls/s',
      family: 'synchronization (eBPF)',
      context: '',
      chartType: 'line',
      priority: 21300,
      updateEvery: 5,
      module: 'sync',
      dimensions: [
        { id: 'fsync', name: 'fsync', algorithm: 'incremental' },
        { id: 'fdatasync', name: 'fdatasync', algorithm: 'incremental' },
      ],
    };
    const odd: ChartDefinition = {
      type: 'test',
      id: 'quoting',
      title: 'It\'s "quoted"',
      units: "app's",
      family: 'a = b',
      context: 'line one\nline two',
      chartType: 'area',
      priority: 1,
      updateEvery: 1,
      module: 'C:\\dir\\',
      dimensions: [
        { id: 'my app', name: 'My "App"', algorithm: 'absolute' },
        { id: "it's", name: "it's", algorithm: 'absolute' },
        { id: 'back\\slash', algorithm: 'absolute', hidden: true },
        { id: 'write', name: 'write', algorithm: 'incremental', multiplier: -1, divisor: 1000 },
      ],
    };
    const result = new NetdataSerializer().render(
      tick(1, {
        sync: { charts: [{ chart: sync, values: values({ fsync: 3n, fdatasync: 1n }) }] },
        test: {
          charts: [{ chart: odd, values: values({ 'my app': 1n, "it's": 2n, 'back\\slash': 3n, write: 4n }) }],
        },
      }),
    );
    expect(result.text).toBe(fixture('quoting.txt'));
    // Only the texts that could not be sent as given are reported.
    expect(result.diagnostics.map((d) => d.kind)).toEqual(['field-adjusted', 'field-adjusted', 'field-adjusted']);
    expect(result.diagnostics.map((d) => d.message).join('\n')).toMatch(/title.*context.*module/s);
  });

  it('sends negative values and clamps bigints to int64', () => {
    const exit: ChartDefinition = {
      type: 'system',
      id: 'exit',
      title: 'Exit process',
      units: 'calls/s',
      family: 'processes',
      context: '',
      chartType: 'line',
      priority: 21003,
      updateEvery: 5,
      module: 'process',
      dimensions: [
        { id: 'do_exit', name: 'process', algorithm: 'absolute' },
        { id: 'release_task', name: 'task', algorithm: 'absolute' },
        { id: 'max', name: 'max', algorithm: 'absolute' },
        { id: 'min', name: 'min', algorithm: 'absolute' },
        { id: 'zero', name: 'zero', algorithm: 'absolute' },
      ],
    };
    const result = new NetdataSerializer().render(
      tick(1, {
        process: {
          charts: [
            {
              chart: exit,
              values: values({ do_exit: 2n ** 70n, release_task: -5n, max: 2n ** 63n - 1n, min: -(2n ** 80n), zero: 0n }),
            },
          ],
        },
      }),
    );
    expect(result.text).toBe(fixture('values.txt'));
    expect(result.diagnostics.map((d) => [d.kind, d.dimension, d.collector])).toEqual([
      ['value-clamped', 'do_exit', 'process'],
      ['value-clamped', 'min', 'process'],
    ]);
  });
});

describe('NetdataSerializer never sends what the agent would disable the plugin for', () => {
  it('drops values of undeclared dimensions and reports them', () => {
    const reported: SerializerDiagnostic[] = [];
    const serializer = new NetdataSerializer({ onDiagnostic: (d) => reported.push(d) });
    const text = serializer.serialize(
      tick(1, { mount: { charts: [{ chart: mountCall, values: values({ mount: 1n, remount: 2n }) }] } }),
    );
    expect(text).not.toContain('remount');
    expect(text).toContain('SET mount = 1\nEND\n');
    expect(reported).toEqual([
      expect.objectContaining({ kind: 'undeclared-dimension', chart: 'mount_points.call', dimension: 'remount', collector: 'mount' }),
    ]);
  });

  it('refuses charts without type or id, or with an id the agent would truncate, and sends nothing for them', () => {
    const serializer = new NetdataSerializer();
    const result = serializer.render(
      tick(1, {
        x: {
          charts: [
            { chart: { ...mountCall, id: '' }, values: values({ mount: 1n }) },
            { chart: { ...mountCall, type: 'cgroup_'.padEnd(200, 'x') }, values: values({ mount: 1n }) },
            { chart: { ...mountCall, id: 'bad\nid' }, values: values({ mount: 1n }) },
          ],
        },
      }),
    );
    expect(result.text).toBe('');
    expect(result.diagnostics.map((d) => d.kind)).toEqual(['invalid-chart', 'invalid-chart', 'invalid-chart']);
    expect(serializer.declaredCharts()).toEqual([]);
  });

  it('drops dimensions with empty or duplicate ids and never SETs them', () => {
    const chart: ChartDefinition = {
      ...mountCall,
      dimensions: [
        { id: 'mount', algorithm: 'incremental' },
        { id: '', algorithm: 'incremental' },
        { id: 'mount', name: 'again', algorithm: 'absolute' },
      ],
    };
    const result = new NetdataSerializer().render(
      tick(1, { m: { charts: [{ chart, values: values({ mount: 1n, '': 2n }) }] } }),
    );
    expect(result.text.match(/^DIMENSION /gm)).toHaveLength(1);
    expect(result.text).not.toContain("SET '' ");
    expect(result.diagnostics.map((d) => d.kind)).toEqual(['invalid-dimension', 'duplicate-dimension', 'undeclared-dimension']);
  });

  it('sends a chart that appears twice in a tick once', () => {
    const result = new NetdataSerializer().render(
      tick(1, {
        a: { charts: [{ chart: mountCall, values: values({ mount: 1n }) }] },
        b: { charts: [{ chart: mountCall, values: values({ mount: 2n }) }] },
      }),
    );
    expect(result.text.match(/^BEGIN /gm)).toHaveLength(1);
    expect(result.diagnostics).toEqual([expect.objectContaining({ kind: 'duplicate-chart', collector: 'b' })]);
  });

  it('drops non-integer values handed over by plain JavaScript callers', () => {
    const loose = new Map<string, unknown>([
      ['mount', 1.5],
      ['umount', 7],
    ]) as unknown as ReadonlyMap<string, bigint>;
    const result = new NetdataSerializer().render(tick(1, { m: { charts: [{ chart: mountCall, values: loose }] } }));
    expect(result.text).toContain('BEGIN mount_points.call\nSET umount = 7\nEND\n');
    expect(result.diagnostics.map((d) => [d.kind, d.dimension])).toEqual([['invalid-value', 'mount']]);
  });
});

describe('NetdataSerializer intervals', () => {
  const appsCalls: ChartDefinition = {
    type: 'apps',
    id: 'process_create',
    title: 'Process started',
    units: 'calls/s',
    family: 'process (eBPF)',
    context: '',
    chartType: 'stacked',
    priority: 20065,
    updateEvery: 1,
    module: 'process',
    dimensions: [
      { id: 'ssh', algorithm: 'absolute' },
      { id: 'other', algorithm: 'absolute' },
    ],
  };
  const pidTable: ChartDefinition = { ...appsCalls, type: 'netdata', id: 'ebpf_pids', units: 'pids', dimensions: [{ id: 'used', algorithm: 'absolute' }] };
  const frameAt = (ms: number, ssh: bigint, other: bigint) =>
    tick(ms, {
      process: {
        charts: [
          { chart: appsCalls, values: values({ ssh, other }) },
          { chart: mountCall, values: values({ mount: ssh }) },
          { chart: pidTable, values: values({ used: ssh }) },
        ],
      },
    });

  it('sends the time since the chart\'s previous block, and per-interval amounts exact while intervals are on time', () => {
    const serializer = new NetdataSerializer();
    serializer.serialize(frameAt(1000, 0n, 0n));
    expect(serializer.serialize(frameAt(2003.5, 230n, -7n))).toBe(
      'BEGIN apps.process_create 1003500\nSET ssh = 230\nSET other = -7\nEND\n' +
        'BEGIN mount_points.call 1003500\nSET mount = 230\nEND\n' +
        'BEGIN netdata.ebpf_pids 1003500\nSET used = 230\nEND\n',
    );
    // Timer jitter up to half an interval late: still the exact amounts.
    expect(serializer.serialize(frameAt(3450, 231n, 1n))).toContain('BEGIN apps.process_create 1446500\nSET ssh = 231\nSET other = 1\nEND\n');
  });

  it('scales per-interval amounts of a late interval to one update every, and nothing else', () => {
    const serializer = new NetdataSerializer();
    serializer.serialize(frameAt(1000, 0n, 0n));
    // Ten seconds of a stopped plugin: 2424 events are 242.4 per second; -25 rounds away from zero.
    expect(serializer.serialize(frameAt(11000, 2424n, -25n))).toBe(
      'BEGIN apps.process_create 10000000\nSET ssh = 242\nSET other = -3\nEND\n' +
        // incremental: the agent divides by the microseconds itself
        'BEGIN mount_points.call 10000000\nSET mount = 2424\nEND\n' +
        // a level, not an amount per interval
        'BEGIN netdata.ebpf_pids 10000000\nSET used = 2424\nEND\n',
    );
  });

  it('scales the per-interval amounts of a short interval (the one after the first collection) up to one update every', () => {
    const serializer = new NetdataSerializer();
    serializer.serialize(frameAt(1000, 0n, 0n));
    expect(serializer.serialize(frameAt(1250, 30n, 1n))).toContain('BEGIN apps.process_create 250000\nSET ssh = 120\nSET other = 4\nEND\n');
  });

  it('sends no microseconds on the first block after a chart came back from obsolete', () => {
    const serializer = new NetdataSerializer();
    serializer.serialize(frameAt(1000, 1n, 1n));
    serializer.obsolete([appsCalls]);
    expect(serializer.serialize(frameAt(2000, 1n, 1n))).toContain('BEGIN apps.process_create\n');
  });
});

describe('NetdataSerializer definitions', () => {
  it('re-sends CHART with every DIMENSION when the title changes', () => {
    const serializer = new NetdataSerializer();
    serializer.serialize(tick(5000, { m: { charts: [{ chart: mountCall, values: values({ mount: 1n }) }] } }));
    const text = serializer.serialize(
      tick(10000, { m: { charts: [{ chart: { ...mountCall, title: 'Mount calls' }, values: values({ mount: 2n }) }] } }),
    );
    expect(text).toBe(
      [
        "CHART mount_points.call '' 'Mount calls' 'calls/s' 'mount (eBPF)' '' 'line' 2190 5 '' 'ebpf.plugin' 'mount'",
        'DIMENSION mount mount incremental 1 1',
        'DIMENSION umount umount incremental 1 1',
        // A changed title re-declares the same chart; the agent keeps its history, so the interval is sent.
        'BEGIN mount_points.call 5000000',
        'SET mount = 2',
        'END',
        '',
      ].join('\n'),
    );
  });

  it('notices a dimension pushed into the same definition object', () => {
    const chart = appsFileOpen(['ssh']);
    const serializer = new NetdataSerializer();
    serializer.serialize(tick(1, { fd: { charts: [{ chart, values: values({ ssh: 1n }) }] } }));
    chart.dimensions.push({ id: 'cron', algorithm: 'incremental' });
    const text = serializer.serialize(tick(2, { fd: { charts: [{ chart, values: values({ ssh: 2n, cron: 1n }) }] } }));
    expect(text).toMatch(/^CHART apps\.file_open .*\nDIMENSION ssh '' incremental 1 1\nDIMENSION cron '' incremental 1 1\nBEGIN/);
  });

  it('obsolete() sends the 10-field CHART line and forgets the chart so it can come back', () => {
    const serializer = new NetdataSerializer({ plugin: 'my.plugin' });
    const declared = serializer.serialize(tick(1, { m: { charts: [{ chart: mountCall, values: values({}) }] } }));
    expect(declared).toContain("'' 'my.plugin' 'mount'\n");
    expect(serializer.obsolete([mountCall])).toBe(
      "CHART mount_points.call '' 'Calls to mount and umount syscalls' 'calls/s' 'mount (eBPF)' '' 'line' 2190 5 'obsolete'\n",
    );
    expect(serializer.obsolete(['mount_points.call'])).toBe('');
    expect(serializer.serialize(tick(2, { m: { charts: [{ chart: mountCall, values: values({}) }] } }))).toBe(declared);
  });

  it('reports an obsolete request for a chart it never declared', () => {
    const result = new NetdataSerializer().render(tick(1, { cg: { charts: [], obsolete: ['cgroup_gone.file_open'] } }));
    expect(result.text).toBe('');
    expect(result.diagnostics).toEqual([expect.objectContaining({ kind: 'unknown-obsolete', chart: 'cgroup_gone.file_open' })]);
  });

  it('keeps every line below the agent line buffer and reports a truncated title once', () => {
    const chart = { ...mountCall, title: 'é'.repeat(20000), family: 'f'.repeat(20000) };
    const serializer = new NetdataSerializer();
    const first = serializer.render(tick(1, { m: { charts: [{ chart, values: values({ mount: 1n }) }] } }));
    for (const line of first.text.split('\n')) expect(Buffer.byteLength(`${line}\n`)).toBeLessThan(MAX_LINE_BYTES);
    expect(first.text).toContain(`'${'é'.repeat(1000)}'`);
    expect(first.diagnostics.map((d) => d.kind)).toEqual(['field-adjusted', 'field-adjusted']);
    // Same definition next tick: nothing new to report.
    expect(serializer.render(tick(2, { m: { charts: [{ chart, values: values({ mount: 2n }) }] } })).diagnostics).toEqual([]);
  });

  it('normalises numbers the agent would misread', () => {
    const chart: ChartDefinition = {
      ...mountCall,
      chartType: 'pie' as ChartDefinition['chartType'],
      priority: 2190.7,
      updateEvery: 0,
      dimensions: [{ id: 'mount', algorithm: 'sum' as 'absolute', multiplier: 0.5, divisor: 0 }],
    };
    const result = new NetdataSerializer().render(tick(1, { m: { charts: [{ chart, values: values({}) }] } }));
    expect(result.text).toContain("'mount (eBPF)' '' 'line' 2190 1 '' 'ebpf.plugin' 'mount'\nDIMENSION mount '' absolute 1 1\n");
    expect(result.diagnostics).toHaveLength(6);
  });
});
