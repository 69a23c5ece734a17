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
 * Second table (issue 12's goal): the plugin's whole per-tick path for one
 * such table, a full read of a 32,768-entry per-PID table into per-group
 * totals (what `CounterTablesInstance.collect` does per accumulator: batched
 * read, per-PID lanes, growth since the last read added to the PID's group),
 * against `bench/c/map-read.c` doing batched lookups of the same map (by its
 * kernel id) and the same per-group arithmetic in C, interleaved in the same
 * run. Goal: at most 1.2x the C program. Both must give the same totals.
 *
 * Usage: node bench/map-read.mjs [--sizes 1024,8192,32768] [--kinds percpu_hash,hash]
 *                                [--max-entries 32768] [--budget-ms 1500]
 *                                [--grouped-rounds 15] [--groups 8] [--no-iterate]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createLoader } from '@ebpf-collectors/loader-native';
import { buildC, Disturbances, EXIT_FAIL, EXIT_USAGE, fmt, log, median, packageFile, passFail, preflight, printTable, ratio, runMain } from './lib.mjs';
// The plugin's own per-PID code (core is built with the workspace; bench has no dependency on it to keep the lockfile alone).
const core = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const pidMap = await import(new URL('../packages/core/dist/kit/pid-map.js', import.meta.url).href);

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
  --grouped-rounds N  rounds of the per-group comparison with the C program (default 15; 0 skips it)
  --groups N          groups of the per-group comparison (default 8; PID % N)
  --no-iterate        skip the batch/iterate table (only the comparison with C)
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
      'grouped-rounds': { type: 'string', default: '15' },
      groups: { type: 'string', default: '8' },
      'no-iterate': { type: 'boolean', default: false },
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
  const groupedRounds = Number(values['grouped-rounds']);
  const groups = Number(values.groups);
  if (!Number.isInteger(groupedRounds) || groupedRounds < 0 || !Number.isInteger(groups) || groups < 1) {
    process.stderr.write(`map-read: bad --grouped-rounds or --groups\n${HELP}`);
    return EXIT_USAGE;
  }
  let failed = false;
  if (groupedRounds > 0) {
    const exe = buildC('map-read', ['-lbpf']);
    const grouped = [];
    for (const kind of kinds) grouped.push(await measureGrouped(loader, exe, kind, 32768, groups, groupedRounds));
    const goal = 1.2;
    printTable(
      'map-read: full read of a 32,768-entry per-PID table into per-group sums, plugin path vs C (baseline)',
      ['map', 'entries', 'C ms', 'plugin ms (values unchanged)', 'ratio', 'plugin ms (every value changed)', 'ratio', 'goal', 'result', 'bigint per PID (before) ms', 'ratio'],
      grouped.map((r) => {
        const worst = Math.max(r.jsMs / r.cMs, r.jsChangedMs / r.cMs);
        failed ||= !(worst <= goal);
        return [
          `${MAP} (${r.kind}, ${r.nCpus} CPUs)`,
          r.n,
          fmt(r.cMs, 3),
          fmt(r.jsMs, 3),
          ratio(r.jsMs, r.cMs),
          fmt(r.jsChangedMs, 3),
          ratio(r.jsChangedMs, r.cMs),
          `<= ${goal}x`,
          passFail(worst <= goal),
          fmt(r.jsObjectsMs, 3),
          ratio(r.jsObjectsMs, r.cMs),
        ];
      }),
      [
        `Median per read over ${groupedRounds} interleaved rounds; ${groups} groups (PID % ${groups}); value ${grouped[0]?.valueSize} bytes, batches of 4096.`,
        'C: bench/c/map-read.c (cc -O2, libbpf), bpf_map_lookup_batch on the same map by id, per-CPU sum, per-PID previous values, growth added to the group.',
        'plugin: readAll() (batched, per-CPU sums in the addon) and one group accumulator\'s updateDump, as CounterTablesInstance.collect per accumulator.',
        '"every value changed": all entries rewritten (untimed) before each timed read; the C program does the same work either way.',
        'The goal line takes the worse of the two plugin columns. Both computed the same group totals.',
        '"bigint per PID (before)": the same read decoded into a bigint array per PID and fed to update(), as before updateDump (not in the goal).',
      ],
    );
  }
  const rows = [];
  if (!values['no-iterate']) {
    for (const kind of kinds) {
      for (const n of sizes) {
        rows.push(await measure(loader, kind, n, maxEntries, budgetMs));
      }
    }
  }
  if (!rows.length) {
    for (const n of disturbances.notes().filter((x) => !x.includes('used BPF'))) process.stdout.write(`${n}\n`);
    return failed ? EXIT_FAIL : 0;
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
  return failed ? EXIT_FAIL : 0;
}

async function loadTable(loader, kind, maxEntries) {
  const spec = loader.openObject(OBJECT, { name: `bench-${MAP}` });
  try {
    const mapSpec = spec.map(MAP);
    mapSpec.maxEntries = maxEntries;
    if (mapSpec.kind !== kind) mapSpec.setKind(kind);
    for (const p of spec.programs.values()) p.autoload = false;
    return await spec.load();
  } catch (err) {
    spec.close();
    throw err;
  }
}

/** Plugin path vs bench/c/map-read.c on one full map, interleaved rounds. */
async function measureGrouped(loader, exe, kind, n, groups, rounds) {
  const object = await loadTable(loader, kind, n);
  try {
    const map = object.map(MAP);
    const lanes = map.valueSize / 8;
    fill(map, n);
    const readsPerRound = 10;
    const js = [];
    const jsChanged = [];
    const jsObjects = [];
    const c = [];
    let checked = false;
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['js', 'c'] : ['c', 'js'];
      for (const side of order) {
        if (side === 'c') {
          const out = JSON.parse(
            execFileSync(exe, [String(map.id), String(readsPerRound), String(groups)], { encoding: 'utf8', maxBuffer: 1 << 24 }),
          );
          if (out.count !== n) throw new Error(`C map-read read ${out.count} entries, expected ${n}`);
          c.push(...out.ms);
          if (!checked) {
            // Same totals after a first read from a fresh state, on both sides.
            const read = groupedPidTableReader(map, lanes, groups);
            const totals = read();
            for (let g = 0; g < groups; g++) {
              const mine = totals.get(`g${g}`) ?? [];
              for (let l = 0; l < lanes; l++) {
                if (String(mine[l] ?? 0n) !== out.sums[g][l]) {
                  throw new Error(`group g${g} lane ${l}: plugin path ${mine[l]}, C ${out.sums[g][l]}: the two disagree`);
                }
              }
            }
            checked = true;
          }
        } else {
          const read = groupedPidTableReader(map, lanes, groups);
          for (let i = 0; i < readsPerRound; i++) js.push(time(read).ms);
          // Before updateDump: a bigint array and an object per PID, then update() (EBPFC_PID_TABLE_READ=objects in the plugin).
          const readObjects = groupedPidTableReader(map, lanes, groups, { objects: true });
          for (let i = 0; i < readsPerRound / 2; i++) jsObjects.push(time(readObjects).ms);
          // Every value changed before each read (the rewrite is not timed).
          for (let i = 0; i < Math.min(10, readsPerRound); i++) {
            bump(map, n, round * readsPerRound + i + 1);
            jsChanged.push(time(read).ms);
          }
        }
      }
    }
    log(`${kind}: C ${fmt(median(c), 3)} ms, plugin path ${fmt(median(js), 3)} ms (changed: ${fmt(median(jsChanged), 3)} ms)`);
    return { kind, n, nCpus: map.nCpus, valueSize: map.valueSize, cMs: median(c), jsMs: median(js), jsChangedMs: median(jsChanged), jsObjectsMs: median(jsObjects) };
  } finally {
    object.close();
  }
}

/**
 * The plugin's per-tick path for one per-PID table and one accumulator
 * (`CounterTablesInstance.collect`): the kit's table reader and a group
 * accumulator over a grouping that puts PID p in group `g${p % groups}`
 * (with a start time, as the PID table has). Returns `read()`.
 */
function groupedPidTableReader(map, lanes, groups, { objects = false } = {}) {
  const names = Array.from({ length: groups }, (_, g) => `g${g}`);
  const grouping = {
    appOf: (pid) => names[pid % groups],
    cgroupOf: () => undefined,
    serviceOf: () => undefined,
    exposedApps: () => names,
    cgroups: () => [],
    services: () => [],
    isAlive: () => true,
    startTimeOf: () => 1,
  };
  const accumulator = core.createGroupAccumulator(grouping, 'app', lanes);
  // As CounterTablesInstance.collect: the whole dump to the accumulator when it takes one, else decoded per PID.
  if (!objects && typeof accumulator.updateDump === 'function') return () => accumulator.updateDump(map.readAll());
  return () => accumulator.update(pidMap.decodePidLanes(map.readAll(), lanes, map.name));
}

/** Rewrite every entry with larger values (lane j of key k: k * (j + 1) + step). */
function bump(map, n, step) {
  const lanes = map.valueSize / 8;
  const key = Buffer.alloc(map.keySize);
  const value = Buffer.alloc(map.valueSize);
  for (let k = 1; k <= n; k++) {
    key.writeUInt32LE(k, 0);
    for (let j = 0; j < lanes; j++) value.writeBigUInt64LE(BigInt(k * (j + 1) + step), j * 8);
    map.update(key, value);
  }
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
