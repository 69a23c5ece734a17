import { describe, expect, it } from 'vitest';
import { chartMovement, checkExpectations, type ChartDefinition, type CollectorFrame } from '../src/index.js';

const chart = (algorithm: 'absolute' | 'incremental'): ChartDefinition => ({
  type: 'system',
  id: algorithm,
  title: '',
  units: '',
  family: '',
  context: '',
  chartType: 'line',
  priority: 1,
  updateEvery: 1,
  module: 'm',
  dimensions: [{ id: 'd', algorithm }],
});

const frame = (abs: bigint, inc: bigint): CollectorFrame => ({
  charts: [
    { chart: chart('absolute'), values: new Map([['d', abs]]) },
    { chart: chart('incremental'), values: new Map([['d', inc]]) },
  ],
});

describe('chartMovement', () => {
  it('sums per-interval (absolute) values after the baseline and differences cumulative (incremental) ones', () => {
    const moved = chartMovement(frame(7n, 100n), [frame(3n, 130n), frame(4n, 150n)]);
    expect(moved.get('system.absolute.d')).toBe(7n);
    expect(moved.get('system.incremental.d')).toBe(50n);
  });

  it('checks lower bounds and reports what was seen', () => {
    const moved = chartMovement(frame(0n, 0n), [frame(5n, 10n)]);
    const checks = checkExpectations(moved, [
      { chart: 'system.absolute', dimension: 'd', atLeast: 5n, why: 'five' },
      { chart: 'system.incremental', dimension: 'd', atLeast: 11n, why: 'eleven' },
      { chart: 'system.missing', dimension: 'd', atLeast: 1n, why: 'absent' },
    ]);
    expect(checks.map((c) => [c.seen, c.ok])).toEqual([
      [5n, true],
      [10n, false],
      [0n, false],
    ]);
  });
});
