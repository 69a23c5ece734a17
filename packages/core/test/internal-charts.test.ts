import { describe, expect, it } from 'vitest';
import { InternalCharts } from '../src/internal-charts.js';

describe('internal charts: the PID table', () => {
  const values = (charts: InternalCharts, input: Parameters<InternalCharts['frame']>[0]) =>
    Object.fromEntries(charts.frame(input).charts.map((c) => [`${c.chart.type}.${c.chart.id}`, Object.fromEntries(c.values)]));

  it('charts tracked and left-out processes when the grouping reports them (a full table shows as not_tracked)', () => {
    const charts = new InternalCharts(1);
    const v = values(charts, { enabled: 1, running: [], pidTable: { tracked: 16, dropped: 2984 } });
    expect(v['netdata.ebpf_pid_table']).toEqual({ tracked: 16n, not_tracked: 2984n });
    expect(charts.charts().find((c) => c.id === 'ebpf_pid_table')).toMatchObject({ type: 'netdata', family: 'ebpf', units: 'processes', priority: 140004 });
  });

  it('leaves the chart out without a PID table', () => {
    expect(values(new InternalCharts(1), { enabled: 1, running: [] })['netdata.ebpf_pid_table']).toBeUndefined();
  });
});
