#!/usr/bin/env node
/**
 * map-read: how much faster a whole-map read is with BPF_MAP_LOOKUP_BATCH
 * than with the classic get_next_key + lookup walk (the baseline).
 *
 * Uses the socket collector's per-PID table `tbl_bandwidth` (u32 tgid ->
 * 10 u64 counters), with every program's autoload off so nothing attaches:
 * the map is filled from user space with N entries and read back whole, both
 * ways, alternating, several times. Both reads must return the same entries
 * and the same sums (checked against what was written); any difference fails
 * the run.
 *
 * Usage: node bench/map-read.mjs [--sizes 1024,8192,32768] [--kinds percpu_hash,hash]
 *                                [--max-entries 32768] [--budget-ms 1500]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createLoader } from '@ebpf-collectors/loader-native';
import { Disturbances, EXIT_USAGE, fmt, log, median, packageFile, preflight, printTable, ratio, runMain } from './lib.mjs';

const OBJECT = packageFile('@ebpf-collectors/collector-socket', 'bpf/socket.bpf.o');
const MAP = 'tbl_bandwidth';

const HELP = `Usage: node bench/map-read.mjs [options]

Times readAll({method:'batch'}) against readAll({method:'iterate'}) (baseline)
on the socket collector's ${MAP} map filled with N entries.

Options:
  --sizes LIST        entry counts to fill (default 1024,8192,32768)
  --kinds LIST        map types (default percpu_hash,hash)
  --max-entries N     map size, the same for every fill (default: the largest size)
  --budget-ms MS      time to spend reading per size and kind (default 3000)
  --help
`;

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1024,8192,32768' },
      kinds: { type: 'string', default: 'percpu_hash,hash' },
      'max-entries': { type: 'string' },
      'budget-ms': { type: 'string', default: '3000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const sizes = values.sizes.split(',').map(Number);
  const kinds = values.kinds.split(',');
  const budgetMs = Number(values['budget-ms']);
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || !(budgetMs > 0)) {
    process.stderr.write(`map-read: bad --sizes or --budget-ms\n${HELP}`);
    return EXIT_USAGE;
  }
  const maxEntries = Number(values['max-entries'] ?? Math.max(...sizes));
  if (sizes.some((n) => n > maxEntries)) {
    process.stderr.write(`map-read: a size is larger than --max-entries ${maxEntries}\n`);
    return EXIT_USAGE;
  }
  preflight({ tracefs: false });

  const loader = createLoader();
  if (!loader.features.batchOps()) {
    log(`warning: the kernel says batch map operations do not work (${loader.features.reason('batchOps') ?? 'no reason given'})`);
  }
  log(`object ${OBJECT}, map ${MAP}, map size ${maxEntries}, kernel ${loader.features.kernelRelease()}`);

  const disturbances = new Disturbances();
  const rows = [];
  for (const kind of kinds) {
    for (const n of sizes) {
      rows.push(await measure(loader, kind, n, maxEntries, budgetMs));
    }
  }

  printTable(
    'map-read: whole-map read, batch vs iterate (baseline)',
    ['map', 'entries', 'iterate ms', 'batch ms', 'batch/iterate', 'iterate us/entry', 'batch us/entry', 'reads'],
    rows.map((r) => [
      `${MAP} (${r.kind}, ${r.nCpus} CPUs)`,
      r.n,
      fmt(r.iterateMs, 3),
      fmt(r.batchMs, 3),
      ratio(r.batchMs, r.iterateMs),
      fmt((r.iterateMs * 1000) / r.n, 3),
      fmt((r.batchMs * 1000) / r.n, 3),
      `${r.reps}+${r.reps}`,
    ]),
    [
      `Median over the reads of each method (alternating); map size ${maxEntries} entries, value ${rows[0]?.valueSize} bytes.`,
      'Per-CPU values are summed over CPUs by the loader in both methods. batch/iterate < 1 means batch is faster.',
      'Both methods returned the same entries and the same sums in every checked read.',
      ...disturbances.notes().filter((n) => !n.includes('used BPF')),
    ],
  );
  return 0;
}

async function measure(loader, kind, n, maxEntries, budgetMs) {
  const spec = loader.openObject(OBJECT, { name: `bench-${MAP}` });
  let object;
  try {
    const mapSpec = spec.map(MAP);
    mapSpec.maxEntries = maxEntries;
    if (mapSpec.kind !== kind) mapSpec.setKind(kind);
    for (const p of spec.programs.values()) p.autoload = false;
    object = await spec.load();
  } catch (err) {
    spec.close();
    throw err;
  }
  try {
    const map = object.map(MAP);
    if (map.kind !== kind) throw new Error(`asked for a ${kind} map, the kernel has a ${map.kind}`);
    const expected = fill(map, n);

    // Warm up (and check) both paths once before timing.
    check(map.readAll({ method: 'batch' }), expected, map, 'batch');
    check(map.readAll({ method: 'iterate' }), expected, map, 'iterate');

    // Pick a repetition count from one timed read of the slower (iterate) path.
    const probe = time(() => map.readAll({ method: 'iterate' }));
    const reps = Math.max(5, Math.min(200, Math.floor(budgetMs / 2 / Math.max(probe.ms, 0.01))));
    log(`${kind} n=${n}: ${reps} reads per method (one iterate read took ${probe.ms.toFixed(2)} ms)`);

    const batch = [];
    const iterate = [];
    let lastBatch;
    let lastIterate;
    for (let i = 0; i < reps; i++) {
      // Alternate which goes first so drift (frequency, caches) hits both alike.
      if (i % 2 === 0) {
        ({ ms: batch[i], result: lastBatch } = time(() => map.readAll({ method: 'batch' })));
        ({ ms: iterate[i], result: lastIterate } = time(() => map.readAll({ method: 'iterate' })));
      } else {
        ({ ms: iterate[i], result: lastIterate } = time(() => map.readAll({ method: 'iterate' })));
        ({ ms: batch[i], result: lastBatch } = time(() => map.readAll({ method: 'batch' })));
      }
    }
    check(lastBatch, expected, map, 'batch');
    check(lastIterate, expected, map, 'iterate');
    if (!lastBatch.keys.equals(lastIterate.keys) && !sameKeySet(lastBatch, lastIterate, map.keySize)) {
      throw new Error(`${kind} n=${n}: batch and iterate returned different key sets`);
    }
    return {
      kind,
      n,
      nCpus: map.nCpus,
      valueSize: map.valueSize,
      reps,
      batchMs: median(batch),
      iterateMs: median(iterate),
    };
  } finally {
    object.close();
  }
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const result = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, result };
}

/**
 * Fill the map with keys 1..n; entry k's u64 lane j holds k * (j + 1). For a
 * per-CPU map `update` copies the value to every CPU, so the summed read
 * is nCpus times that.
 */
function fill(map, n) {
  const lanes = map.valueSize / 8;
  if (!Number.isInteger(lanes)) throw new Error(`${map.name}: value size ${map.valueSize} is not a multiple of 8`);
  const key = Buffer.alloc(map.keySize);
  const value = Buffer.alloc(map.valueSize);
  let keySum = 0n;
  let laneSum = 0n;
  const laneFactor = BigInt((lanes * (lanes + 1)) / 2);
  for (let k = 1; k <= n; k++) {
    key.fill(0);
    key.writeUInt32LE(k, 0);
    for (let j = 0; j < lanes; j++) value.writeBigUInt64LE(BigInt(k) * BigInt(j + 1), j * 8);
    map.update(key, value);
    keySum += BigInt(k);
    laneSum += BigInt(k) * laneFactor;
  }
  const copies = map.perCpu ? BigInt(map.nCpus) : 1n;
  return { count: n, keySum, laneSum: laneSum * copies };
}

function sums(dump, map) {
  let keySum = 0n;
  for (let i = 0; i < dump.count; i++) keySum += BigInt(dump.keys.readUInt32LE(i * map.keySize));
  let laneSum = 0n;
  const lanes = (dump.count * map.valueSize) / 8;
  for (let i = 0; i < lanes; i++) laneSum += dump.values.readBigUInt64LE(i * 8);
  return { count: dump.count, keySum, laneSum };
}

function check(dump, expected, map, method) {
  if (dump.method !== method) throw new Error(`asked for a ${method} read, the loader did a ${dump.method} read`);
  const got = sums(dump, map);
  for (const field of ['count', 'keySum', 'laneSum']) {
    if (got[field] !== expected[field]) {
      throw new Error(
        `${map.name} (${map.kind}) ${method} read: ${field} is ${got[field]}, expected ${expected[field]} ` +
          `(count ${got.count}/${expected.count}); batch and iterate reads disagree with what was written`,
      );
    }
  }
}

function sameKeySet(a, b, keySize) {
  if (a.count !== b.count) return false;
  const set = new Set();
  for (let i = 0; i < a.count; i++) set.add(a.keys.toString('hex', i * keySize, (i + 1) * keySize));
  for (let i = 0; i < b.count; i++) if (!set.has(b.keys.toString('hex', i * keySize, (i + 1) * keySize))) return false;
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('map-read', main);
