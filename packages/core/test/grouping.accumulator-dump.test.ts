import { describe, expect, it } from 'vitest';
import type { GroupTotals, PidTableDump, PidValues, ProcessGrouping } from '../src/types.js';
import { createGroupAccumulator } from '../src/grouping/index.js';

/** A grouping with start times (as the PID table has), moved around by the test. */
class Grouping implements ProcessGrouping {
  readonly app = new Map<number, string>();
  readonly cgroup = new Map<number, string>();
  readonly start = new Map<number, number>();
  appOf(pid: number) {
    return this.app.get(pid);
  }
  cgroupOf(pid: number) {
    return this.cgroup.get(pid);
  }
  serviceOf() {
    return undefined;
  }
  exposedApps() {
    return [...new Set(this.app.values())];
  }
  cgroups() {
    return [...new Set(this.cgroup.values())].sort();
  }
  services() {
    return [];
  }
  isAlive(pid: number) {
    return this.app.has(pid);
  }
  startTimeOf(pid: number) {
    return this.start.get(pid);
  }
}

/** What `BpfMap.readAll()` returns for these entries (u32 keys, u64 lanes, little-endian as the kernel on x86/arm64). */
function dump(entries: PidValues[], lanes: number): PidTableDump {
  const keys = Buffer.alloc(entries.length * 4);
  const values = Buffer.alloc(entries.length * lanes * 8);
  entries.forEach((e, i) => {
    keys.writeUInt32LE(e.pid, i * 4);
    e.values.forEach((v, l) => values.writeBigUInt64LE(v, (i * lanes + l) * 8));
  });
  return { count: entries.length, keys, values };
}

function plain(totals: GroupTotals): Record<string, string[]> {
  return Object.fromEntries([...totals].map(([k, v]) => [k, v.map(String)]));
}

/** A small deterministic generator (the sequence must be the same in every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('GroupAccumulator.updateDump', () => {
  it('gives the same totals as update() over random ticks: growth, resets, PID reuse, moves, unknown groups, huge values', () => {
    const lanes = 3;
    const random = rng(12);
    const grouping = new Grouping();
    const viaUpdate = { app: createGroupAccumulator(grouping, 'app', lanes), cgroup: createGroupAccumulator(grouping, 'cgroup', lanes) };
    const viaDump = { app: createGroupAccumulator(grouping, 'app', lanes), cgroup: createGroupAccumulator(grouping, 'cgroup', lanes) };
    const values = new Map<number, bigint[]>();
    const big = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n, 2n ** 63n + 12345n];
    for (let tick = 0; tick < 200; tick++) {
      for (let pid = 1; pid <= 40; pid++) {
        const r = random();
        if (r < 0.05) grouping.app.delete(pid);
        else if (r < 0.15) grouping.app.set(pid, `a${pid % 3}`);
        const c = random();
        if (c < 0.05) grouping.cgroup.delete(pid);
        else if (c < 0.12) grouping.cgroup.set(pid, `c${pid % 4}`);
        if (random() < 0.03) grouping.start.set(pid, tick); // reused PID
        let v = values.get(pid) ?? [0n, 0n, 0n];
        const k = random();
        if (k < 0.05) v = [0n, 0n, 0n]; // entry recreated
        else if (k < 0.08) v = v.map(() => big[Math.floor(random() * big.length)]!);
        else if (k < 0.6) v = v.map((x, l) => (x + BigInt(Math.floor(random() * 1e6) * (l + 1))) % 2n ** 64n);
        values.set(pid, v);
      }
      // Some PIDs missing from some ticks (deleted from the table or not yet written).
      const entries = [...values].filter(() => random() > 0.1).map(([pid, v]) => ({ pid, values: v }));
      for (const by of ['app', 'cgroup'] as const) {
        const a = viaUpdate[by].update(entries);
        const b = viaDump[by].updateDump!(dump(entries, lanes));
        expect(plain(b), `${by} tick ${tick}`).toEqual(plain(a));
      }
    }
  });

  it('reads a dump whose buffers are not 4-byte aligned', () => {
    const grouping = new Grouping();
    grouping.app.set(7, 'x');
    const acc = createGroupAccumulator(grouping, 'app', 2);
    const d = dump([{ pid: 7, values: [5n, 2n ** 60n] }], 2);
    const keys = Buffer.alloc(5);
    d.keys.copy(keys, 1);
    const vals = Buffer.alloc(17);
    Buffer.from(d.values).copy(vals, 1);
    const totals = acc.updateDump!({ count: 1, keys: keys.subarray(1), values: vals.subarray(1) });
    expect(plain(totals)).toEqual({ x: ['5', String(2n ** 60n)] });
  });

  it('refuses a dump shorter than its count', () => {
    const acc = createGroupAccumulator(new Grouping(), 'app', 2);
    expect(() => acc.updateDump!({ count: 2, keys: new Uint8Array(8), values: new Uint8Array(16) })).toThrow(RangeError);
  });
});
