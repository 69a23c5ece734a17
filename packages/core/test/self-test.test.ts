import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chartMovement,
  checkExpectations,
  createMeasure,
  type ChartDefinition,
  type CollectorFrame,
  type GroupingSource,
} from '../src/index.js';

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

describe('createMeasure', () => {
  /** An instance whose absolute dimension moves by `steps[i]` at its i-th collect. */
  function fake(steps: bigint[]) {
    let i = 0;
    const collected = { n: 0 };
    const instance = {
      collect: (): CollectorFrame => {
        collected.n++;
        return frame(steps[i++] ?? 0n, 0n);
      },
    };
    const grouping = { scan: () => {} } as unknown as GroupingSource;
    return { instance, grouping, collected };
  }
  const fast = { settleMs: 1, lateMs: 1, pollMs: 1 };

  it('baseline, two reads after the workload, and more only while `until` says the movement is short', async () => {
    const barrier = join(mkdtempSync(join(tmpdir(), 'ebpfc-rcu-')), 'do_rcu_barrier');
    writeFileSync(barrier, '0');
    const { instance, grouping, collected } = fake([0n, 1n, 1n, 1n, 1n, 1n, 1n]);
    const measure = createMeasure({ instance: instance as never, grouping, ...fast, patienceMs: 5_000, rcuBarrier: barrier });
    let ran = false;
    const moved = await measure(
      async () => {
        ran = true;
      },
      (m) => (m.get('system.absolute.d') ?? 0n) >= 4n,
    );
    expect(ran).toBe(true);
    expect(moved.get('system.absolute.d')).toBe(4n);
    expect(collected.n).toBe(5);
    // Each extra read was preceded by a request to run the queued RCU callbacks.
    expect(readFileSync(barrier, 'utf8')).toBe('1');
  });

  it('without `until` reads exactly three times; with one that never holds, stops at its patience', async () => {
    const plain = fake([0n, 1n, 1n, 1n]);
    await createMeasure({ instance: plain.instance as never, grouping: plain.grouping, ...fast })(async () => {});
    expect(plain.collected.n).toBe(3);
    const never = fake(Array(1000).fill(0n));
    const started = Date.now();
    const moved = await createMeasure({ instance: never.instance as never, grouping: never.grouping, ...fast, patienceMs: 50, rcuBarrier: '/nonexistent/x' })(
      async () => {},
      () => false,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(never.collected.n).toBeGreaterThan(3);
    expect(moved.get('system.absolute.d')).toBe(0n);
  });
});
