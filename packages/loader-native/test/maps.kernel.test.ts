/**
 * Map reads and writes against real kernel maps: batched reads agree with
 * per-key iteration on a full 32768-entry per-CPU hash, per-CPU sums, arrays
 * of u64 counters, read-and-delete, missing keys, and map edits before load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BpfError, createLoader, type BpfMap, type BpfObject } from '../src/index.js';
import { bpftoolMap, collectingLogger, isRoot, objectPath, u32, u64 } from './helpers.js';

const PID_TABLE_ENTRIES = 32768;
const LANES = 8;

/** The value the test stores for key k on CPU c, lane l: distinct per key, CPU and lane. */
function cell(k: number, c: number, l: number): bigint {
  return BigInt(k) * 1000n + BigInt(c) * 100n + BigInt(l);
}

/** What summing `cell` over every CPU gives. */
function expectedSum(k: number, l: number, nCpus: number): bigint {
  let s = 0n;
  for (let c = 0; c < nCpus; c++) s += cell(k, c, l);
  return s;
}

/** key -> lane sums, from a dump with `perCpu: 'sum'`. */
function sumsByKey(keys: Buffer, values: Buffer, count: number): Map<number, bigint[]> {
  const out = new Map<number, bigint[]>();
  for (let i = 0; i < count; i++) {
    const lanes: bigint[] = [];
    for (let l = 0; l < LANES; l++) lanes.push(values.readBigUInt64LE(i * LANES * 8 + l * 8));
    out.set(keys.readUInt32LE(i * 4), lanes);
  }
  return out;
}

describe.runIf(isRoot)('maps', () => {
  const loader = createLoader({ logger: collectingLogger() });
  let obj: BpfObject;
  let pidTable: BpfMap;

  beforeAll(async () => {
    const spec = loader.openObject(objectPath('maps'));
    const resizable = spec.map('resizable');
    expect(resizable.kind).toBe('hash');
    resizable.setKind('percpu_hash');
    resizable.maxEntries = 1000;
    expect(resizable.kind).toBe('percpu_hash');
    obj = await spec.load();
    pidTable = obj.map('pid_table');

    // Fill the whole table from user space, a different value on every CPU.
    const stride = LANES * 8;
    const raw = Buffer.alloc(pidTable.nCpus * stride);
    for (let k = 0; k < PID_TABLE_ENTRIES; k++) {
      for (let c = 0; c < pidTable.nCpus; c++) {
        for (let l = 0; l < LANES; l++) raw.writeBigUInt64LE(cell(k, c, l), c * stride + l * 8);
      }
      pidTable.update(u32(k), raw, 'noexist');
    }
  });

  afterAll(() => {
    obj?.close();
  });

  it('describes the map as the kernel created it', () => {
    expect(pidTable).toMatchObject({ kind: 'percpu_hash', keySize: 4, valueSize: 64, maxEntries: PID_TABLE_ENTRIES, perCpu: true });
    expect(pidTable.nCpus).toBeGreaterThanOrEqual(1);
    expect(pidTable.id).toBeGreaterThan(0);
    expect(pidTable.fd).toBeGreaterThan(0);
  });

  it('batched readAll of a full 32768-entry per-CPU hash equals per-key iteration, summed over CPUs', () => {
    const batch = pidTable.readAll({ method: 'batch', batchSize: 1024 });
    const iterate = pidTable.readAll({ method: 'iterate' });
    expect(batch.method).toBe('batch');
    expect(iterate.method).toBe('iterate');
    expect(batch.count).toBe(PID_TABLE_ENTRIES);
    expect(iterate.count).toBe(PID_TABLE_ENTRIES);
    expect(batch.keys.length).toBe(PID_TABLE_ENTRIES * 4);
    expect(batch.values.length).toBe(PID_TABLE_ENTRIES * 64);

    const fromBatch = sumsByKey(batch.keys, batch.values, batch.count);
    const fromIterate = sumsByKey(iterate.keys, iterate.values, iterate.count);
    expect(fromBatch.size).toBe(PID_TABLE_ENTRIES);
    expect(fromBatch).toEqual(fromIterate);
    for (const k of [0, 1, 4097, PID_TABLE_ENTRIES - 1]) {
      expect(fromBatch.get(k)).toEqual(Array.from({ length: LANES }, (_, l) => expectedSum(k, l, pidTable.nCpus)));
    }
  });

  it('the default read uses batch ops and the default batch size', () => {
    const dump = pidTable.readAll();
    expect(dump.method).toBe('batch');
    expect(dump.count).toBe(PID_TABLE_ENTRIES);
  });

  it('raw per-CPU reads keep each CPU copy, CPU-major', () => {
    const dump = pidTable.readAll({ perCpu: 'raw' });
    const stride = pidTable.nCpus * 64;
    expect(dump.values.length).toBe(dump.count * stride);
    const i = 123;
    const k = dump.keys.readUInt32LE(i * 4);
    for (let c = 0; c < pidTable.nCpus; c++) {
      for (let l = 0; l < LANES; l++) expect(dump.values.readBigUInt64LE(i * stride + c * 64 + l * 8)).toBe(cell(k, c, l));
    }
  });

  it('lookup sums CPUs; lookupPerCpu returns the copies; a missing key is undefined', () => {
    const summed = pidTable.lookup(u32(77));
    expect(summed?.readBigUInt64LE(3 * 8)).toBe(expectedSum(77, 3, pidTable.nCpus));
    const perCpu = pidTable.lookupPerCpu(u32(77));
    expect(perCpu?.length).toBe(pidTable.nCpus * 64);
    expect(perCpu?.readBigUInt64LE(64 * (pidTable.nCpus - 1))).toBe(cell(77, pidTable.nCpus - 1, 0));

    expect(pidTable.lookup(u32(PID_TABLE_ENTRIES + 5))).toBeUndefined();
    expect(pidTable.lookupPerCpu(u32(PID_TABLE_ENTRIES + 5))).toBeUndefined();
    expect(obj.map('scratch').lookup(u32(424242))).toBeUndefined();
  });

  it('keys() lists every key once', () => {
    const { count, keys } = pidTable.keys();
    expect(count).toBe(PID_TABLE_ENTRIES);
    const seen = new Set<number>();
    for (let i = 0; i < count; i++) seen.add(keys.readUInt32LE(i * 4));
    expect(seen.size).toBe(PID_TABLE_ENTRIES);
  });

  it('update flags and delete report what the kernel says', () => {
    const scratch = obj.map('scratch');
    scratch.update(u32(1), u64(10));
    expect(() => scratch.update(u32(1), u64(11), 'noexist')).toThrow(expect.objectContaining({ name: 'BpfError', code: 'EEXIST' }));
    expect(() => scratch.update(u32(2), u64(11), 'exist')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(scratch.lookup(u32(1))?.readBigUInt64LE(0)).toBe(10n);
    expect(scratch.delete(u32(1))).toBe(true);
    expect(scratch.delete(u32(1))).toBe(false);
    expect(() => scratch.update(u32(1), Buffer.alloc(3))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  for (const method of ['batch', 'iterate'] as const) {
    it(`readAll({ andDelete: true, method: '${method}' }) returns every entry and empties the map`, () => {
      const scratch = obj.map('scratch');
      for (let k = 0; k < 500; k++) scratch.update(u32(k), u64(k * 3));
      const dump = scratch.readAll({ andDelete: true, method, batchSize: 64 });
      expect(dump.method).toBe(method);
      expect(dump.count).toBe(500);
      const values = new Map<number, bigint>();
      for (let i = 0; i < dump.count; i++) values.set(dump.keys.readUInt32LE(i * 4), dump.values.readBigUInt64LE(i * 8));
      expect(values.size).toBe(500);
      expect(values.get(499)).toBe(1497n);
      expect(scratch.keys().count).toBe(0);
      expect(scratch.readAll().count).toBe(0);
    });
  }

  it('readU64Array sums every index of a per-CPU array, lane by lane', () => {
    const pairs = obj.map('pairs');
    const stride = 16;
    for (let i = 0; i < pairs.maxEntries; i++) {
      const raw = Buffer.alloc(pairs.nCpus * stride);
      for (let c = 0; c < pairs.nCpus; c++) {
        raw.writeBigUInt64LE(BigInt(i * 10 + c), c * stride);
        raw.writeBigUInt64LE(BigInt(i * 1000 + c * 7), c * stride + 8);
      }
      pairs.update(u32(i), raw);
    }
    const lanes = pairs.readU64Array();
    expect(lanes).toBeInstanceOf(BigUint64Array);
    expect(lanes.length).toBe(pairs.maxEntries * 2);
    const n = BigInt(pairs.nCpus);
    const cpuSum = (n * (n - 1n)) / 2n;
    for (let i = 0; i < pairs.maxEntries; i++) {
      expect(lanes[2 * i]).toBe(BigInt(i * 10) * n + cpuSum);
      expect(lanes[2 * i + 1]).toBe(BigInt(i * 1000) * n + 7n * cpuSum);
    }
  });

  it('refuses what the map cannot do with a typed error', () => {
    expect(() => obj.map('pairs').readAll({ andDelete: true })).toThrow(expect.objectContaining({ name: 'BpfError', code: 'EINVAL' }));
    expect(() => obj.map('scratch').readU64Array()).toThrow(BpfError);
    expect(() => obj.map('scratch').lookupPerCpu(u32(1))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => obj.map('nope')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('setKind and maxEntries set before load are what the kernel created', () => {
    const resizable = obj.map('resizable');
    expect(resizable).toMatchObject({ kind: 'percpu_hash', maxEntries: 1000, perCpu: true });
    const seen = bpftoolMap(resizable.id);
    expect(seen.type).toBe('percpu_hash');
    expect(seen.max_entries).toBe(1000);
    for (let k = 0; k < 1000; k++) resizable.update(u32(k), u64(k));
    expect(() => resizable.update(u32(5000), u64(1), 'noexist')).toThrow(expect.objectContaining({ code: 'E2BIG' }));
    expect(resizable.lookup(u32(999))?.readBigUInt64LE(0)).toBe(999n * BigInt(resizable.nCpus));
  });

  it('memlock is the kernel figure bpftool reports, and grows with per-CPU storage', () => {
    const memlock = pidTable.memlock();
    expect(memlock).toBe(bpftoolMap(pidTable.id).bytes_memlock);
    expect(memlock).toBeGreaterThan(PID_TABLE_ENTRIES * 64 * pidTable.nCpus);
    expect(obj.map('scratch').memlock()).toBeLessThan(memlock);
  });

  it('invalid edits, and edits after load, are refused', async () => {
    const spec = loader.openObject(objectPath('maps'));
    const map = spec.map('scratch');
    expect(() => map.setKind('other')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => {
      map.maxEntries = 0;
    }).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const loaded = await spec.load();
    try {
      expect(() => map.setKind('array')).toThrow(expect.objectContaining({ name: 'BpfError', code: 'EBUSY' }));
      expect(() => {
        map.maxEntries = 10;
      }).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    } finally {
      loaded.close();
    }
  });
});
