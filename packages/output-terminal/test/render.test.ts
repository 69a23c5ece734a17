import type { ChartDefinition, OutputFrame } from '@ebpf-collectors/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit, formatValue, renderFrame, renderScreen, screenUpdate } from '../src/render.js';
import { applyFrame, createTerminalState, type TerminalState } from '../src/state.js';

beforeAll(() => {
  // The header shows local time; pin the zone so expected text is stable.
  process.env.TZ = 'UTC';
});

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

function frame(timeMs: number, collector: string, charts: Array<[ChartDefinition, Record<string, bigint>]>, obsolete?: string[]): OutputFrame {
  return {
    timeMs,
    wallTimeMs: timeMs,
    frames: [
      {
        collector,
        frame: {
          charts: charts.map(([chart, values]) => ({ chart, values: new Map(Object.entries(values)) })),
          ...(obsolete ? { obsolete } : {}),
        },
      },
    ],
  };
}

/** Display value of one dimension, as the view formats it ('' when unknown). */
function shown(state: TerminalState, chart: string, dimension: string): string {
  return formatValue(state.charts.get(chart)?.display.get(dimension));
}

describe('renderFrame', () => {
  it('shows incremental dimensions as per-second rates from the second tick on (hand-checked layout)', () => {
    const state = createTerminalState();
    const first = renderFrame(state, frame(5000, 'mount', [[mountCall, { mount: 100n, umount: 10n }]]), 80, { wallClockMs: 5000 });
    expect(first.split('\n')[4]).toBe('  mount            umount');

    const second = renderFrame(state, frame(10000, 'mount', [[mountCall, { mount: 600n, umount: 12n }]]), 80, { wallClockMs: 10000 });
    expect(second).toBe(
      [
        'ebpf.plugin  ·  00:00:10  ·  1 chart  ·  every 5s',
        'collectors: mount (1)',
        '',
        'mount_points.call  Calls to mount and umount syscalls (calls/s)',
        '  mount      100   umount     0.4',
      ].join('\n'),
    );
  });

  it('applies multiplier and divisor, shows absolute values at once, and blanks a counter that went backwards', () => {
    const chart: ChartDefinition = {
      ...mountCall,
      type: 'filesystem',
      id: 'vfs_io_bytes',
      dimensions: [
        { id: 'write', name: 'write', algorithm: 'incremental', multiplier: -1, divisor: 1024 },
        { id: 'read', name: 'read', algorithm: 'incremental' },
        { id: 'open', name: 'open', algorithm: 'absolute', multiplier: 1, divisor: 10 },
      ],
    };
    const state = createTerminalState();
    const key = 'filesystem.vfs_io_bytes';
    applyFrame(state, frame(1000, 'vfs', [[chart, { write: 0n, read: 500n, open: 25n }]]));
    expect(state.charts.get(key)?.display.get('write')).toBeUndefined();
    expect(shown(state, key, 'open')).toBe('2.5');
    const view = renderFrame(state, frame(3000, 'vfs', [[chart, { write: 2048n * 1000n, read: 100n, open: 5n }]]), 100);
    // 2,048,000 bytes in 2 s, / 1024, negated; read went backwards (a reset): unknown.
    expect(state.charts.get(key)?.display.get('write')).toBe(-1000);
    expect(state.charts.get(key)?.display.get('read')).toBeUndefined();
    expect(state.charts.get(key)?.display.get('open')).toBe(0.5);
    expect(view.split('\n')[4]).toBe('  write     -1k   read            open      0.5');
  });

  it('computes percentages of the row', () => {
    const chart: ChartDefinition = {
      ...mountCall,
      type: 'test',
      id: 'pct',
      dimensions: [
        { id: 'hit', name: 'hit', algorithm: 'percentage-of-absolute-row' },
        { id: 'miss', name: 'miss', algorithm: 'percentage-of-absolute-row' },
        { id: 'a', name: 'a', algorithm: 'percentage-of-incremental-row' },
        { id: 'b', name: 'b', algorithm: 'percentage-of-incremental-row' },
      ],
    };
    const state = createTerminalState();
    applyFrame(state, frame(1000, 't', [[chart, { hit: 3n, miss: 1n, a: 0n, b: 0n }]]));
    expect(shown(state, 'test.pct', 'a')).toBe('');
    applyFrame(state, frame(2000, 't', [[chart, { hit: 3n, miss: 1n, a: 10n, b: 30n }]]));
    // Each row total counts only the dimensions of its own algorithm.
    expect(shown(state, 'test.pct', 'hit')).toBe('75');
    expect(shown(state, 'test.pct', 'miss')).toBe('25');
    expect(shown(state, 'test.pct', 'a')).toBe('25');
    expect(shown(state, 'test.pct', 'b')).toBe('75');
  });

  it('shows only the top N groups of an apps chart, biggest first, and says how many are left out', () => {
    const groups = Array.from({ length: 40 }, (_, i) => `group${String(i).padStart(2, '0')}`);
    const chart: ChartDefinition = {
      ...mountCall,
      type: 'apps',
      id: 'file_open',
      chartType: 'stacked',
      dimensions: groups.map((id) => ({ id, algorithm: 'absolute' as const })),
    };
    const values = Object.fromEntries(groups.map((g, i) => [g, BigInt((i * 7) % 40)]));
    const view = renderFrame(createTerminalState(), frame(1000, 'fd', [[chart, values]]), 200, { topN: 5 });
    const names = [...view.matchAll(/group\d\d/g)].map((m) => m[0]);
    const expectedTop = [...groups].sort((a, b) => Number((values[b] as bigint) - (values[a] as bigint))).slice(0, 5);
    expect(names).toEqual(expectedTop);
    expect(view).toContain('… +35 more (top 5 of 40 shown)');
  });

  it('keeps histograms in declared order and cuts after maxDimensions', () => {
    const bins = ['0us->1us', '1us->2us', '2us->4us', '4us->8us', '8us->16us'];
    const chart: ChartDefinition = { ...mountCall, type: 'disk_latency_io', id: 'sda', dimensions: bins.map((id) => ({ id, algorithm: 'absolute' as const })) };
    const view = renderFrame(createTerminalState(), frame(1000, 'disk', [[chart, { '0us->1us': 1n, '4us->8us': 99n }]]), 200, { maxDimensions: 3 });
    expect([...view.matchAll(/\d+us->\d+us/g)].map((m) => m[0])).toEqual(bins.slice(0, 3));
    expect(view).toContain('… +2 more (3 of 5 shown)');
  });

  it('never writes a line wider than the terminal, and packs more columns when it is wider', () => {
    const chart: ChartDefinition = {
      ...mountCall,
      title: 'A very long title that goes on and on '.repeat(5),
      dimensions: Array.from({ length: 12 }, (_, i) => ({ id: `d${i}`, name: `dimension_with_a_long_name_${i}`, algorithm: 'absolute' as const })),
    };
    const values = Object.fromEntries(chart.dimensions.map((d, i) => [d.id, BigInt(i * 123456)]));
    const rows: Record<number, number> = {};
    for (const width of [20, 33, 80, 150, 250]) {
      const view = renderFrame(createTerminalState(), frame(1000, 'x', [[chart, values]]), width, { wallClockMs: 0 });
      for (const line of view.split('\n')) expect([...line].length).toBeLessThanOrEqual(width);
      rows[width] = view.split('\n').filter((l) => l.startsWith('  ')).length;
    }
    expect(rows[20]).toBe(12);
    expect(rows[80]).toBeLessThan(rows[33] as number);
    expect(rows[250]).toBeLessThan(rows[80] as number);
  });

  it('keeps charts of collectors not due this tick, orders by priority, and drops obsolete charts', () => {
    const exit: ChartDefinition = { ...mountCall, type: 'system', id: 'exit', title: 'Exit process', priority: 21003, updateEvery: 1, dimensions: [{ id: 'do_exit', name: 'process', algorithm: 'absolute' }] };
    const state = createTerminalState();
    renderFrame(state, frame(1000, 'process', [[exit, { do_exit: 4n }]]), 80);
    const both = renderFrame(state, frame(5000, 'mount', [[mountCall, { mount: 1n }]]), 80);
    expect(both.indexOf('mount_points.call')).toBeLessThan(both.indexOf('system.exit'));
    expect(shown(state, 'system.exit', 'do_exit')).toBe('4');
    expect(both).toContain('2 charts  ·  every 1s/5s');
    expect(both).toContain('collectors: mount (1), process (1)');
    const after = renderFrame(state, frame(6000, 'mount', [], ['system.exit']), 80);
    expect(after).not.toContain('system.exit');
  });

  it('strips the HTML Netdata titles carry', () => {
    const sync: ChartDefinition = { ...mountCall, type: 'mem', id: 'file_sync', title: 'Monitor calls for <code>fsync(2)</code> and <code>fdatasync(2)</code>.' };
    expect(renderFrame(createTerminalState(), frame(1, 's', [[sync, {}]]), 120)).toContain('Monitor calls for fsync(2) and fdatasync(2).');
  });

  it('fits the terminal height and says how many charts did not fit', () => {
    const state = createTerminalState();
    const charts = Array.from({ length: 10 }, (_, i): [ChartDefinition, Record<string, bigint>] => [{ ...mountCall, id: `c${i}`, priority: i }, { mount: 1n }]);
    applyFrame(state, frame(1000, 'm', charts));
    const view = renderScreen(state, 80, { height: 12 });
    const lines = view.split('\n');
    expect(lines.length).toBeLessThanOrEqual(11);
    // 3 header lines, 3 charts of 2 lines, then the note.
    expect(lines.filter((l) => l.startsWith('mount_points.'))).toHaveLength(3);
    expect(lines.at(-1)).toBe('… 7 more charts not shown (make the terminal taller)');
    expect(renderScreen(state, 80).split('\n').filter((l) => l.startsWith('mount_points.'))).toHaveLength(10);
  });

  it('says it is waiting before the first frame', () => {
    expect(renderScreen(createTerminalState(), 80)).toContain('waiting for the first values');
  });
});

describe('formatValue', () => {
  it.each([
    [undefined, ''],
    [Number.NaN, ''],
    [0, '0'],
    [-0.001, '0'],
    [5, '5'],
    [2.5, '2.5'],
    [1 / 3, '0.33'],
    [12.345, '12.3'],
    [999.4, '999'],
    [999.6, '1k'],
    [1234, '1.23k'],
    [-12345, '-12.3k'],
    [999_999, '1M'],
    [4.2e9, '4.2G'],
    [9.22e18, '9.22E'],
  ])('%s -> %j', (value, text) => {
    expect(formatValue(value)).toBe(text);
    expect(text.length).toBeLessThanOrEqual(7);
  });
});

describe('fit and screenUpdate', () => {
  it('cuts by characters, not bytes', () => {
    expect(fit('ééééé', 5)).toBe('ééééé');
    expect(fit('éééééé', 5)).toBe('éééé…');
  });

  it('clears the screen on the first draw only and clears each line and below', () => {
    expect(screenUpdate('a\nb', true)).toBe('\u001b[2J\u001b[Ha\u001b[K\nb\u001b[K\n\u001b[J');
    expect(screenUpdate('a', false)).toBe('\u001b[Ha\u001b[K\n\u001b[J');
  });
});
