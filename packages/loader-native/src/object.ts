import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import { runLogged, runQuiet, type ObjectContext } from './context.js';
import { BpfError, NotSupportedError, badState, errorFromNative, invalidArgument, notFound } from './errors.js';
import type { NativeErrorFields, NativeGlobal, NativeObjectHandle } from './internal-types.js';
import { checkBtfFile, isRunningKernelBtf, resolveBtfFile } from './kernel.js';
import { deliverLog, stderrWarnings } from './log.js';
import { BpfLink } from './link.js';
import { BpfLoadedMap, BpfMapSpec } from './map.js';
import { nativeBinding } from './native.js';
import { BpfProgram, BpfProgramSpec } from './program.js';
import type { BpfMap, BpfObject, Link, Logger, MapSpec, ObjectSpec, OpenOptions, Program, ProgramKind, ProgramSpec } from './types.js';

/** How the object resolves the syscall prefix (a Loader passes its cached feature). */
export interface OpenEnvironment {
  syscallPrefix: () => string;
}

/** Opens an object into an editable spec. See {@link ObjectSpec}. */
export function openWith(pathOrImage: string | Buffer, options: OpenOptions, env: OpenEnvironment): ObjectSpec {
  const name = options.name ?? (typeof pathOrImage === 'string' ? basename(pathOrImage) : 'object');
  const logger = options.logger ?? stderrWarnings;
  if (typeof pathOrImage !== 'string' && !Buffer.isBuffer(pathOrImage)) {
    throw invalidArgument(`open object ${name}`, 'expected a path or a Buffer with an ELF image');
  }
  if (typeof pathOrImage === 'string') checkRecordedDigest(pathOrImage, name);
  const btfFile = options.btfPath === undefined ? undefined : customBtfFile(checkBtfFile(resolveBtfFile(options.btfPath)));
  const binding = nativeBinding();
  let handle: NativeObjectHandle;
  try {
    handle = new binding.ObjectHandle(pathOrImage, name, btfFile);
  } catch (e) {
    const lines = (e as Partial<NativeErrorFields>).nativeLog;
    if (lines) deliverLog(logger, lines);
    throw errorFromNative(e);
  }
  return new BpfObjectSpec(handle, name, logger, env);
}

/**
 * The file to hand libbpf as `btf_custom_path`, or undefined for the running
 * kernel's own BTF: libbpf reads that one anyway, and a custom path to it made
 * every load parse the same 5 MB twice (once for CO-RE, once for attach
 * targets and feature checks), about 70 ms and 15 MB of heap each.
 */
function customBtfFile(file: string): string | undefined {
  return isRunningKernelBtf(file) ? undefined : file;
}

/**
 * An object built by @ebpf-collectors/bpf-tools has its SHA-256 recorded next
 * to it (`<file>.sha256`, sha256sum's format). When that file exists the object
 * must match it before libbpf parses a byte: libbpf's ELF parser can crash on a
 * corrupt object, a refused open cannot.
 * @throws BpfError `ECORRUPT` naming both files
 */
function checkRecordedDigest(path: string, name: string): void {
  let recorded: string;
  try {
    recorded = readFileSync(`${path}.sha256`, 'utf8');
  } catch {
    return; // nothing recorded (an object not built by bpf-tools)
  }
  const expected = /^([0-9a-f]{64})\b/.exec(recorded)?.[1];
  const op = `open object ${path}`;
  if (expected === undefined) {
    throw new BpfError(`${op}: ECORRUPT: ${path}.sha256 does not hold a SHA-256 digest; rebuild or reinstall the package`, {
      code: 'ECORRUPT',
      errno: 0,
      op,
      object: name,
    });
  }
  let actual: string;
  try {
    actual = nativeBinding().sha256(readFileSync(path));
  } catch {
    return; // unreadable: libbpf's open says why
  }
  if (actual !== expected) {
    throw new BpfError(
      `${op}: ECORRUPT: the file's SHA-256 (${actual.slice(0, 12)}...) is not the one recorded when it was built ` +
        `(${path}.sha256: ${expected.slice(0, 12)}...): the object is damaged or was changed; reinstall or rebuild the package`,
      { code: 'ECORRUPT', errno: 0, op, object: name },
    );
  }
}

/** Shared by the spec and the loaded object: the same native handle changes phase at load. */
class Shared implements ObjectContext {
  readonly links = new Set<Link>();
  readonly kinds = new Map<string, ProgramKind>();

  constructor(
    readonly handle: NativeObjectHandle,
    readonly name: string,
    readonly logger: Logger,
    readonly env: OpenEnvironment,
  ) {}

  readonly syscallPrefix = (): string => this.env.syscallPrefix();

  kindOf(program: string): ProgramKind | undefined {
    return this.kinds.get(program);
  }

  trackLink(link: Link): () => void {
    this.links.add(link);
    return () => this.links.delete(link);
  }
}

/** An opened object file. Edit programs, maps and globals, then `load()`. */
export class BpfObjectSpec implements ObjectSpec {
  readonly #shared: Shared;
  readonly name: string;
  readonly programs: ReadonlyMap<string, ProgramSpec>;
  readonly maps: ReadonlyMap<string, MapSpec>;
  #consumed = false;

  /** @internal Use openObject() or Loader.openObject(). */
  constructor(handle: NativeObjectHandle, name: string, logger: Logger, env: OpenEnvironment) {
    this.#shared = new Shared(handle, name, logger, env);
    this.name = name;
    try {
      const programs = new Map<string, BpfProgramSpec>();
      for (const p of handle.programs()) {
        const spec = new BpfProgramSpec(this.#shared, p);
        programs.set(spec.name, spec);
        this.#shared.kinds.set(spec.name, spec.kind);
      }
      const maps = new Map<string, BpfMapSpec>();
      for (const m of handle.maps()) {
        const spec = new BpfMapSpec(this.#shared, m);
        maps.set(spec.name, spec);
      }
      this.programs = programs;
      this.maps = maps;
    } finally {
      deliverLog(logger, handle.drainLog());
    }
  }

  /** @throws BpfError `ENOENT` when absent. */
  program(name: string): ProgramSpec {
    const p = this.programs.get(name);
    if (!p) throw notFound(`find program ${name}`, `object ${this.name} has no program ${name}`, { object: this.name, program: name });
    return p;
  }

  /** @throws BpfError `ENOENT` when absent. */
  map(name: string): MapSpec {
    const m = this.maps.get(name);
    if (!m) throw notFound(`find map ${name}`, `object ${this.name} has no map ${name}`, { object: this.name, map: name });
    return m;
  }

  /**
   * Sets a `const volatile` global before load. Numbers and bigints are
   * written little endian with the variable's size and must fit it (signed or
   * unsigned); booleans are 1/0; a Buffer must have exactly that size.
   * @throws BpfError `ENOENT` (no such variable), `EINVAL` (does not fit), `EBUSY` (after load).
   */
  setGlobal(name: string, value: number | bigint | boolean | Buffer): void {
    const op = `set global ${name} of ${this.name}`;
    if (this.#consumed) throw badState(op, 'the spec was loaded; globals are frozen', { object: this.name });
    const variable = runQuiet(() => this.#shared.handle.globals()).find((g) => g.name === name);
    if (!variable) throw notFound(op, `no const volatile global named ${name}`, { object: this.name });
    const bytes = encodeGlobal(op, variable, value, this.name);
    runLogged(this.#shared, () => this.#shared.handle.setGlobal(name, bytes));
  }

  /** Names and sizes (bytes) of the `const volatile` globals. */
  globals(): ReadonlyArray<{ name: string; size: number }> {
    return runQuiet(() => this.#shared.handle.globals()).map(({ name, size }) => ({ name, size }));
  }

  /**
   * Loads every autoload program and creates the maps, off the JS thread.
   * The spec is consumed either way; on failure its handles are released.
   * @throws VerifierError (with the log), NotSupportedError (fentry/tp_btf/kprobe
   * program types the kernel refuses), BpfError.
   */
  async load(): Promise<BpfObject> {
    const shared = this.#shared;
    if (this.#consumed) throw badState(`load object ${this.name}`, 'the spec was already loaded or closed', { object: this.name });
    this.#consumed = true;
    try {
      await shared.handle.load();
    } catch (e) {
      const error = errorFromNative(e, { kindOf: (p) => shared.kindOf(p) });
      const demote = error instanceof NotSupportedError;
      const lines = (e as Partial<NativeErrorFields>).nativeLog;
      if (lines) deliverLog(shared.logger, lines, { demote });
      deliverLog(shared.logger, shared.handle.drainLog(), { demote });
      shared.handle.close();
      throw error;
    }
    deliverLog(shared.logger, shared.handle.drainLog());
    try {
      return new LoadedBpfObject(shared);
    } catch (e) {
      shared.handle.close();
      throw e;
    }
  }

  /** Releases the opened object (no-op once loaded: the loaded object owns the handles). */
  close(): void {
    if (this.#consumed) return;
    this.#consumed = true;
    this.#shared.handle.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A loaded object: its programs, maps and links. */
class LoadedBpfObject implements BpfObject {
  readonly #shared: Shared;
  readonly name: string;
  readonly programs: ReadonlyMap<string, Program>;
  readonly maps: ReadonlyMap<string, BpfMap>;
  readonly #skipped: ReadonlySet<string>;
  #closed = false;

  constructor(shared: Shared) {
    this.#shared = shared;
    this.name = shared.name;
    const programs = new Map<string, Program>();
    const skipped = new Set<string>();
    for (const handle of shared.handle.programs()) {
      if (handle.fd() < 0) {
        skipped.add(handle.name());
        continue;
      }
      const program = new BpfProgram(shared, handle);
      programs.set(program.name, program);
    }
    const maps = new Map<string, BpfMap>();
    for (const handle of shared.handle.maps()) {
      if (handle.fd() < 0) continue;
      const info = runQuiet(() => handle.info());
      const map = new BpfLoadedMap(shared, handle, info);
      maps.set(map.name, map);
    }
    this.programs = programs;
    this.maps = maps;
    this.#skipped = skipped;
  }

  /** @throws BpfError `ENOENT` when absent or not loaded (autoload was false). */
  program(name: string): Program {
    const p = this.programs.get(name);
    if (p) return p;
    const why = this.#skipped.has(name) ? 'it was not loaded (autoload was false)' : `object ${this.name} has no program ${name}`;
    throw notFound(`find program ${name}`, why, { object: this.name, program: name });
  }

  /** @throws BpfError `ENOENT` when absent. */
  map(name: string): BpfMap {
    const m = this.maps.get(name);
    if (!m) throw notFound(`find map ${name}`, `object ${this.name} has no map ${name}`, { object: this.name, map: name });
    return m;
  }

  get links(): ReadonlyArray<Link> {
    return [...this.#shared.links].filter((l) => !l.closed);
  }

  /** Detaches every link, then closes programs and maps. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const failures: unknown[] = [];
    try {
      BpfLink.detachAll([...this.#shared.links]);
    } catch {
      // Each link is tried again below, one by one, and what fails is reported there.
    }
    for (const link of [...this.#shared.links]) {
      try {
        link.close();
      } catch (e) {
        failures.push(e);
      }
    }
    this.#shared.handle.close();
    if (failures.length > 0) {
      throw new BpfError(`close object ${this.name}: ${failures.length} link(s) failed to detach`, {
        code: 'EIO',
        errno: 5,
        op: `close object ${this.name}`,
        object: this.name,
        cause: failures[0],
      });
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function encodeGlobal(op: string, variable: NativeGlobal, value: number | bigint | boolean | Buffer, object: string): Buffer {
  const { size } = variable;
  if (Buffer.isBuffer(value)) {
    if (value.length !== size) throw invalidArgument(op, `the variable is ${size} bytes, the Buffer ${value.length}`, { object });
    return value;
  }
  if (![1, 2, 4, 8].includes(size)) {
    throw invalidArgument(op, `the variable is ${size} bytes; pass a Buffer of that size`, { object });
  }
  let n: bigint;
  if (typeof value === 'boolean') n = value ? 1n : 0n;
  else if (typeof value === 'bigint') n = value;
  else if (Number.isSafeInteger(value)) n = BigInt(value);
  else throw invalidArgument(op, `${value} is not a safe integer`, { object });
  const bits = BigInt(size * 8);
  const min = -(1n << (bits - 1n));
  const max = (1n << bits) - 1n;
  if (n < min || n > max) throw invalidArgument(op, `${n} does not fit in ${size} bytes`, { object });
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt.asUintN(64, n));
  return out.subarray(0, size);
}

/**
 * Close several objects: every link of every object is detached first, all
 * at once (a tracepoint's detach waits for RCU grace periods in the kernel;
 * together they overlap instead of adding up), then each object is closed.
 * Idempotent like {@link BpfObject.close}; an object whose close fails does
 * not stop the others.
 *
 * @throws the first object's close error, after every object was tried
 */
export function closeObjects(objects: Iterable<BpfObject>): void {
  const list = [...objects];
  try {
    BpfLink.detachAll(list.flatMap((o) => o.links ?? []));
  } catch {
    // Each object's close() tries its links again and reports what fails.
  }
  let first: unknown;
  for (const object of list) {
    try {
      object.close();
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== undefined) throw first;
}
