import { readFileSync } from 'node:fs';

import { runLogged, runQuiet, type ObjectContext } from './context.js';
import { BpfError, badState, invalidArgument } from './errors.js';
import type { NativeMapHandle, NativeMapInfo } from './internal-types.js';
import { mapKindOf, mapTypeOf } from './kinds.js';
import type { BpfMap, MapDump, MapKind, MapSpec, ReadAllOptions } from './types.js';

const UPDATE_FLAGS = { any: 0, noexist: 1, exist: 2 } as const;
const PER_CPU_KINDS: ReadonlySet<MapKind> = new Set<MapKind>(['percpu_hash', 'percpu_array', 'lru_percpu_hash']);

/** A map of an opened object: type and size are editable until load. */
export class BpfMapSpec implements MapSpec {
  readonly #ctx: ObjectContext;
  readonly #handle: NativeMapHandle;
  readonly name: string;

  /** @internal */
  constructor(ctx: ObjectContext, handle: NativeMapHandle) {
    this.#ctx = ctx;
    this.#handle = handle;
    this.name = handle.name();
  }

  get kind(): MapKind {
    return mapKindOf(runQuiet(() => this.#handle.definition()).type);
  }

  get keySize(): number {
    return runQuiet(() => this.#handle.definition()).keySize;
  }

  get valueSize(): number {
    return runQuiet(() => this.#handle.definition()).valueSize;
  }

  get maxEntries(): number {
    return runQuiet(() => this.#handle.definition()).maxEntries;
  }

  /** @throws BpfError `EBUSY` after load, `EINVAL` for a value that is not a positive u32. */
  set maxEntries(n: number) {
    if (!Number.isInteger(n) || n <= 0 || n > 0xffff_ffff) {
      throw invalidArgument(`set max entries of map ${this.name}`, `must be an integer in 1..2^32-1, got ${n}`, {
        object: this.#ctx.name,
        map: this.name,
      });
    }
    runLogged(this.#ctx, () => this.#handle.setMaxEntries(n));
  }

  /** Changes the map type before load (e.g. `percpu_hash` <-> `hash`). @throws BpfError `EINVAL` for `other`, `EBUSY` after load. */
  setKind(kind: MapKind): void {
    const type = mapTypeOf(kind);
    if (type === undefined) {
      throw invalidArgument(`set kind of map ${this.name}`, `'${kind}' is not a settable map kind`, {
        object: this.#ctx.name,
        map: this.name,
      });
    }
    runLogged(this.#ctx, () => this.#handle.setType(type));
  }
}

/**
 * A loaded map. Geometry comes from the kernel (BPF_OBJ_GET_INFO_BY_FD), so
 * it shows what setKind/maxEntries really produced. Reads copy straight into
 * Buffers; per-CPU values are summed in the addon.
 */
export class BpfLoadedMap implements BpfMap {
  readonly #ctx: ObjectContext;
  readonly #handle: NativeMapHandle;
  readonly name: string;
  readonly kind: MapKind;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly id: number;
  readonly perCpu: boolean;
  readonly nCpus: number;
  /** Kernel map type number (for kinds reported as `other`). */
  readonly type: number;

  /** @internal */
  constructor(ctx: ObjectContext, handle: NativeMapHandle, info: NativeMapInfo) {
    this.#ctx = ctx;
    this.#handle = handle;
    this.name = handle.name();
    this.type = info.type;
    this.kind = mapKindOf(info.type);
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.id = info.id;
    this.perCpu = PER_CPU_KINDS.has(this.kind) || info.type === 21; /* percpu_cgroup_storage */
    this.nCpus = info.nCpus;
  }

  /** Map fd; -1 once the object is closed. */
  get fd(): number {
    return this.#handle.fd();
  }

  /** @returns the value (per-CPU: u64-lane sum over CPUs), or `undefined` if the key is absent. */
  lookup(key: Buffer): Buffer | undefined {
    return runQuiet(() => this.#handle.lookup(key));
  }

  /** @returns `nCpus * roundUp8(valueSize)` bytes, CPU-major, or `undefined` if the key is absent. */
  lookupPerCpu(key: Buffer): Buffer | undefined {
    return runQuiet(() => this.#handle.lookupPerCpu(key));
  }

  /** @throws BpfError `EEXIST`/`ENOENT` for `noexist`/`exist` conflicts, `E2BIG` when full. */
  update(key: Buffer, value: Buffer, flags: 'any' | 'noexist' | 'exist' = 'any'): void {
    const flag = UPDATE_FLAGS[flags];
    if (flag === undefined) {
      throw invalidArgument(`update map ${this.name}`, `unknown flags '${String(flags)}'`, { object: this.#ctx.name, map: this.name });
    }
    runQuiet(() => this.#handle.update(key, value, flag));
  }

  /** @returns false if the key was absent. */
  delete(key: Buffer): boolean {
    return runQuiet(() => this.#handle.delete(key));
  }

  keys(): { count: number; keys: Buffer } {
    return runQuiet(() => this.#handle.keys());
  }

  /**
   * Reads every entry: BPF_MAP_LOOKUP_BATCH when the kernel has it (falling
   * back to get_next_key + lookup), optionally deleting what was read.
   * @throws BpfError `EINVAL` for `andDelete` on arrays or a per-CPU sum of values not a multiple of 8 bytes.
   */
  readAll(options: ReadAllOptions = {}): MapDump {
    const batchSize = options.batchSize ?? 4096;
    if (!Number.isInteger(batchSize) || batchSize <= 0 || batchSize > 1 << 24) {
      throw invalidArgument(`read map ${this.name}`, `batchSize must be an integer in 1..2^24, got ${batchSize}`, {
        object: this.#ctx.name,
        map: this.name,
      });
    }
    return runQuiet(() =>
      this.#handle.readAll(options.perCpu === 'raw', options.method ?? 'auto', batchSize, options.andDelete ?? false),
    );
  }

  /** Every index's u64 lanes, summed over CPUs. @throws BpfError `EINVAL` unless an (percpu_)array with 8-byte-multiple values. */
  readU64Array(): BigUint64Array {
    return runQuiet(() => this.#handle.readU64Array());
  }

  /** Kernel memory charged to the map, in bytes (the `memlock:` line of /proc/self/fdinfo/<fd>). */
  memlock(): number {
    const fd = this.fd;
    if (fd < 0) throw badState(`read memlock of map ${this.name}`, 'the object is closed', { object: this.#ctx.name, map: this.name });
    const text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    const match = /^memlock:\s*(\d+)$/m.exec(text);
    if (!match?.[1]) {
      throw new BpfError(`read memlock of map ${this.name}: ENOTSUPP: no memlock line in /proc/self/fdinfo/${fd}`, {
        code: 'ENOTSUPP',
        errno: 524,
        op: `read memlock of map ${this.name}`,
        object: this.#ctx.name,
        map: this.name,
      });
    }
    return Number(match[1]);
  }
}
