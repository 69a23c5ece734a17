/**
 * Public types of the BPF loader.
 *
 * Lifecycle, named as libbpf names it: {@link ObjectSpec} (opened, still
 * editable) -> `await spec.load()` -> {@link BpfObject} (live programs and
 * maps) -> `program.attach*()` -> {@link Link}. Every live thing owns kernel
 * handles and releases them in `close()`; `Symbol.dispose` calls `close()`.
 * Closing an object closes its links.
 */

/** Receives libbpf's own log lines and the loader's diagnostics. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** libbpf program kinds the collectors use, derived from the ELF section name. */
export type ProgramKind =
  | 'tracepoint'
  | 'raw_tracepoint'
  | 'tp_btf'
  | 'fentry'
  | 'fexit'
  | 'kprobe'
  | 'kretprobe'
  | 'ksyscall'
  | 'kretsyscall'
  | 'iter'
  | 'other';

/** Kernel map types, by libbpf's name without the prefix (e.g. `percpu_hash`). */
export type MapKind =
  | 'hash'
  | 'array'
  | 'percpu_hash'
  | 'percpu_array'
  | 'lru_hash'
  | 'lru_percpu_hash'
  | 'ringbuf'
  | 'perf_event_array'
  | 'other';

/** Options for {@link openObject}. */
export interface OpenOptions {
  /** Receives libbpf's log for this object (open, load, attach). Default: discarded below `warn`, else stderr. */
  logger?: Logger;
  /** Directory or file with the kernel BTF used for CO-RE relocation. Default: libbpf's search (`/sys/kernel/btf/vmlinux`). */
  btfPath?: string;
  /** Name of the object in errors and logs. Default: the file's base name. */
  name?: string;
}

/** A program of an opened, not yet loaded object. */
export interface ProgramSpec {
  readonly name: string;
  /** ELF section, e.g. `tracepoint/sched/sched_process_fork`. */
  readonly sectionName: string;
  readonly kind: ProgramKind;
  /** Whether `load()` loads this program. Set false to skip a family (the collector switches attach modes this way). */
  autoload: boolean;
  /** For fentry/fexit/tp_btf: change the kernel function (or tracepoint) to attach to, before load. */
  setAttachTarget(functionName: string): void;
}

/** A map of an opened, not yet loaded object. */
export interface MapSpec {
  readonly name: string;
  readonly kind: MapKind;
  readonly keySize: number;
  readonly valueSize: number;
  /** Max entries; settable before load (PID tables are sized from config). */
  maxEntries: number;
  /** Change the map type before load (e.g. `percpu_hash` <-> `hash` for `maps per core`). */
  setKind(kind: MapKind): void;
}

/**
 * An opened object file: programs and maps can still be edited.
 * Must be loaded or closed.
 */
export interface ObjectSpec extends Disposable {
  readonly name: string;
  readonly programs: ReadonlyMap<string, ProgramSpec>;
  readonly maps: ReadonlyMap<string, MapSpec>;
  /** Look up a program; throws `BpfError` with code `ENOENT` when absent. */
  program(name: string): ProgramSpec;
  /** Look up a map; throws `BpfError` with code `ENOENT` when absent. */
  map(name: string): MapSpec;
  /**
   * Set a `const volatile` global (in `.rodata`) before load. Numbers are
   * written with the variable's own size (1, 2, 4 or 8 bytes, little endian);
   * a Buffer must match the size. Throws `BpfError` `ENOENT` if no such variable.
   */
  setGlobal(name: string, value: number | bigint | boolean | Buffer): void;
  /** Names and sizes of the `const volatile` globals. */
  globals(): ReadonlyArray<{ name: string; size: number }>;
  /**
   * Load into the kernel (runs the verifier off the JS thread). After this the
   * spec is consumed: it cannot be loaded again, and the returned object owns
   * the handles. Rejects with `VerifierError` (carrying the verifier log) or
   * `BpfError`/`NotSupportedError`.
   */
  load(): Promise<BpfObject>;
  close(): void;
}

/** Options for kprobe attachment. */
export interface KprobeOptions {
  /** Attach a kretprobe instead. */
  retprobe?: boolean;
  /** Offset within the function. */
  offset?: number;
}

/** A loaded program. */
export interface Program {
  readonly name: string;
  readonly sectionName: string;
  readonly kind: ProgramKind;
  /** Kernel program fd (-1 once its object is closed). */
  readonly fd: number;
  /** Kernel program id, as `bpftool prog list` shows it. */
  readonly id: number;
  /** Attach as the section name says (libbpf's auto-attach). */
  attach(): Link;
  /** Attach to `tracepoint/<category>/<name>`. */
  attachTracepoint(category: string, name: string): Link;
  /** Attach to a raw tracepoint by name (raw_tp programs). */
  attachRawTracepoint(name: string): Link;
  /** Attach a kprobe/kretprobe to a kernel function. Throws `NotSupportedError` ('kprobe') where kprobes do not exist. */
  attachKprobe(functionName: string, options?: KprobeOptions): Link;
  /**
   * Attach a kprobe to a syscall by its plain name (`clone`), resolving the
   * arch prefix (`__x64_sys_clone`, or `sys_clone` on old kernels) from the
   * running kernel's symbols.
   */
  attachSyscallKprobe(syscall: string, options?: KprobeOptions): Link;
  /** Attach fentry/fexit/tp_btf programs to their (load-time) target. Throws `NotSupportedError` ('fentry') where trampolines do not work. */
  attachTrace(): Link;
}

/** An attachment. Detaches on `close()`. */
export interface Link extends Disposable {
  /** Kernel link id (0 for legacy perf-event attachments without a link). */
  readonly id: number;
  readonly closed: boolean;
  close(): void;
  /**
   * One pass of a BPF iterator link (`iter/...` programs): a new iterator fd
   * read to its end, everything the program wrote with `bpf_seq_write` /
   * `bpf_seq_printf`. Synchronous; the program runs inside the read.
   * @param options.maxBytes largest output accepted (default 64 MiB)
   * @throws RangeError when the output would exceed `maxBytes`; BpfError
   *   (`EINVAL`) when this is not an iterator link, (`EBADF`) when closed
   */
  readIter(options?: { maxBytes?: number }): Buffer;
}

/** Result of a whole-map read. */
export interface MapDump {
  /** Number of entries read. */
  count: number;
  /** `count * keySize` bytes, entry i at `i * keySize`. */
  keys: Buffer;
  /**
   * `count * valueSize` bytes. For per-CPU maps read with `perCpu: 'sum'`
   * each value is the element-wise sum over CPUs of its u64 lanes (valueSize
   * must be a multiple of 8); with `perCpu: 'raw'` it is
   * `count * nCpus * roundUp8(valueSize)` bytes, CPU-major within an entry.
   */
  values: Buffer;
  /** How the read was done: `batch` (BPF_MAP_LOOKUP_BATCH) or `iterate` (get_next_key + lookup). */
  method: 'batch' | 'iterate';
}

/** Options of {@link BpfMap.readAll}. */
export interface ReadAllOptions {
  /** For per-CPU maps: sum u64 lanes over CPUs (default) or return raw per-CPU values. */
  perCpu?: 'sum' | 'raw';
  /** Force a method; default: batch when the kernel supports it, else iterate. */
  method?: 'batch' | 'iterate';
  /** Entries per batch syscall. Default 4096. */
  batchSize?: number;
  /** Delete what was read (BPF_MAP_LOOKUP_AND_DELETE_BATCH or delete per key). */
  andDelete?: boolean;
}

/** A loaded map. Keys and values are raw bytes; see the collector's `.h` for layouts. */
export interface BpfMap {
  readonly name: string;
  readonly kind: MapKind;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly fd: number;
  readonly id: number;
  readonly perCpu: boolean;
  /** Number of possible CPUs (the per-CPU value count). */
  readonly nCpus: number;
  /**
   * Value for key, or `undefined` if the key is absent. Per-CPU maps return
   * the u64-lane sum over CPUs (use `lookupPerCpu` for raw copies).
   */
  lookup(key: Buffer): Buffer | undefined;
  /** Raw per-CPU values (`nCpus * roundUp8(valueSize)` bytes) or `undefined`. */
  lookupPerCpu(key: Buffer): Buffer | undefined;
  /** Write a value (per-CPU maps: a single value is copied to every CPU, or pass nCpus values). */
  update(key: Buffer, value: Buffer, flags?: 'any' | 'noexist' | 'exist'): void;
  /** Delete a key; returns false if it was absent. */
  delete(key: Buffer): boolean;
  /** All keys, concatenated (`count * keySize` bytes). */
  keys(): { count: number; keys: Buffer };
  /** Read every entry in as few syscalls as possible. */
  readAll(options?: ReadAllOptions): MapDump;
  /**
   * For (per-CPU) arrays of u64 counters: every index's value, summed over
   * CPUs, in one call. Throws if the value is not a multiple of 8 bytes.
   * Entry i covers lanes `[i * valueSize/8, (i+1) * valueSize/8)`.
   */
  readU64Array(): BigUint64Array;
  /** Kernel memory charged to this map (fdinfo `memlock`), in bytes. */
  memlock(): number;
}

/** A loaded object: its programs, maps and every link made from them. */
export interface BpfObject extends Disposable {
  readonly name: string;
  readonly programs: ReadonlyMap<string, Program>;
  readonly maps: ReadonlyMap<string, BpfMap>;
  program(name: string): Program;
  map(name: string): BpfMap;
  /** Links made through this object's programs that are still attached. */
  readonly links: ReadonlyArray<Link>;
  /** Detach every link, then close programs and maps. Idempotent. */
  close(): void;
}

/** Kernel feature probes. Each answer comes from a real load/attach attempt and is cached. */
export interface Features {
  /** `/sys/kernel/btf/vmlinux` (or the configured path) exists and parses. */
  btf(): boolean;
  /** A `tracepoint/` program loads and attaches (needs tracefs). */
  tracepoint(): boolean;
  rawTracepoint(): boolean;
  tpBtf(): boolean;
  /** An fentry program loads and attaches to a common kernel function. */
  fentry(): boolean;
  /** A kprobe attaches. */
  kprobe(): boolean;
  /** BPF_MAP_LOOKUP_BATCH works on hash maps. */
  batchOps(): boolean;
  mapType(kind: MapKind): boolean;
  /** `uname -r`, e.g. `6.18.44`. */
  kernelRelease(): string;
  /** MAJOR*65536 + MINOR*256 + min(PATCH,255), as Netdata computes it. */
  kernelVersionCode(): number;
  /** Whether a kernel function exists in BTF (or kallsyms when no BTF). */
  hasKernelFunction(name: string): boolean;
  /** The arch prefix for syscall symbols: `__x64_sys_`, `__ia32_sys_` or `sys_`. */
  syscallPrefix(): string;
  /** Why a probe answered false, if it did. */
  reason(feature: string): string | undefined;
}

/** What a consumer (a collector) needs from the loader: injected, never imported as a global. */
export interface Loader {
  /** Open an object file (or an in-memory ELF image) into an editable spec. */
  openObject(pathOrImage: string | Buffer, options?: OpenOptions): ObjectSpec;
  readonly features: Features;
}

/** Capability masks of the calling thread (bit N = capability N). */
export interface CapabilitySets {
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  bounding: bigint;
  /** prctl(PR_SET_NO_NEW_PRIVS) is set: exec can never grant more. */
  noNewPrivs: boolean;
}

/** What `dropCapabilities` did. */
export interface CapabilityDrop {
  /** The capabilities every reached thread still holds (the asked-for ones it had). */
  kept: bigint;
  /** Threads of the process when it ran. */
  threads: number;
  /** Threads that applied the drop (this one included). */
  applied: number;
  /** Threads whose capset failed. */
  failed: number;
}
