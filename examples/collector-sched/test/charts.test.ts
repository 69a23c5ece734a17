/**
 * The chart table on made-up readings: which lane feeds which dimension,
 * and what the plugin finds in the package.
 */
import { CounterChartBuilder } from '@ebpf-collectors/core';
import { describe, expect, it } from 'vitest';
import { collectors, schedCharts, schedCollector } from '../src/index.js';

describe('sched charts', () => {
  const builder = new CounterChartBuilder(schedCharts(), { updateEvery: 1, apps: true, cgroups: false });

  it('declares sched.switches and apps.sched_switches once a group exists', () => {
    expect(builder.charts([]).map((c) => `${c.type}.${c.id}`)).toEqual(['sched.switches']);
    expect(builder.charts(['bash']).map((c) => `${c.type}.${c.id}`)).toEqual(['sched.switches', 'apps.sched_switches']);
  });

  it('voluntary and involuntary come from their lanes; apps from the per-PID switches lane', () => {
    const frame = builder.frame({
      counters: [10n, 7n, 3n],
      apps: { names: ['bash'], totals: new Map([['bash', [5n, 4n, 1n]]]) },
    });
    const host = frame.charts.find((c) => c.chart.id === 'switches')!;
    expect(Object.fromEntries(host.values)).toEqual({ voluntary: 7n, involuntary: 3n });
    const apps = frame.charts.find((c) => c.chart.id === 'sched_switches')!;
    expect(Object.fromEntries(apps.values)).toEqual({ bash: 5n });
  });
});

describe('the package', () => {
  it('exports its collector in a collectors array, tracepoint mode only', () => {
    expect(collectors).toEqual([schedCollector]);
    expect(schedCollector).toMatchObject({ name: 'sched', modes: ['tracepoint'], configFile: 'sched.conf', cliFlag: 'sched' });
  });
});
