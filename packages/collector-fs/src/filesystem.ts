/**
 * The filesystem collector (Netdata's `filesystem` thread): latency
 * histograms of reads, writes, opens and syncs (nfs: getattr) per mounted
 * ext4, xfs, nfs, zfs and btrfs.
 */
import type {
  AttachMode,
  ChartDefinition,
  CollectorContext,
  CollectorDefinition,
  CollectorFrame,
  CollectorInstance,
  Started,
} from '@ebpf-collectors/core';
import {
  KernelFunctionMissingError,
  attachFirstMode,
  defineCollector,
  ObjectInstance,
  loadAndAttach,
  planSyscallExit,
  shippedObjectPath,
  tracepointExists,
  type Attacher,
  type LoadPlan,
} from '@ebpf-collectors/core';
import type { BpfMap, BpfObject, Features } from '@ebpf-collectors/core';
import { FilesystemChartBuilder } from './charts.js';
import { NoFilesystemEnabledError, TracepointMissingError } from './errors.js';
import { FILESYSTEM_SECTION, enabledFilesystems } from './filesystem-config.js';
import {
  FILESYSTEMS,
  FS_FUNCTIONS,
  FS_MAP,
  FS_OPS,
  FS_PROBE_ENTRY,
  FS_SYSCALL_ENTER_PROGRAM,
  FS_SYSCALL_EXIT_PROGRAM,
  FS_TRACEPOINT_PAIRS,
  fsProgramNames,
  type FilesystemName,
} from './internal-types.js';
import { withModuleFunctions } from './kernel-functions.js';
import { FS_NAME } from './metrics.js';
import { MOUNTINFO_PATHS, mountedFilesystems, readMountinfo } from './mountinfo.js';
import { filesystemSelfTest } from './self-test.js';
import type { FilesystemCollectorOptions, FilesystemReading } from './types.js';

/** Attach modes this collector implements. */
const MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe', 'tracepoint'];

export { FILESYSTEM_SECTION, enabledFilesystems };

/** Default of {@link FilesystemCollectorOptions.mountCheckTicks}. */
export const DEFAULT_MOUNT_CHECK_TICKS = 5;

/** What one mode loads, and which filesystems it really hooks. */
interface FsPlan extends LoadPlan {
  readonly hooked: ReadonlySet<FilesystemName>;
  readonly functions: ReadonlyArray<string>;
  /** `<fs> <op>` pairs left unhooked because the kernel has none of their functions. */
  readonly missing: ReadonlyArray<string>;
}

/**
 * The programs of one mode for the enabled filesystems. Trampoline and probe
 * hook each filesystem's own functions when the kernel has them (a
 * filesystem with none is left out); tracepoint hooks the syscalls, which
 * serve every filesystem: one program on the generic `sys_enter` and one on
 * `sys_exit` (tp_btf, else raw_tp) switching on the syscall id, else an
 * enter/exit tracepoint pair per syscall.
 *
 * @throws NoFilesystemEnabledError, KernelFunctionMissingError, TracepointMissingError, TracefsNotMountedError
 */
export function planFilesystem(
  mode: AttachMode,
  enabled: ReadonlySet<FilesystemName>,
  features: Pick<Features, 'hasKernelFunction' | 'tpBtf' | 'rawTracepoint'>,
): FsPlan {
  if (enabled.size === 0) throw new NoFilesystemEnabledError();
  const programs = new Map<string, Attacher>();
  const targets = new Map<string, string>();
  const hooked = new Set<FilesystemName>();
  const functions: string[] = [];
  const missing: string[] = [];

  if (mode === 'tracepoint') {
    for (const fs of enabled) hooked.add(fs);
    const plan = planSyscallExit(
      { program: FS_SYSCALL_EXIT_PROGRAM, enterProgram: FS_SYSCALL_ENTER_PROGRAM, perSyscall: () => planFsTracepoints(enabled) },
      features,
    );
    return { programs: plan.programs, targets, hooked, functions: plan.hooked, missing };
  }

  const candidates: string[] = [];
  const entryTargets: string[] = [];
  for (const fs of FILESYSTEMS) {
    if (!enabled.has(fs)) continue;
    for (const op of FS_OPS) {
      const names = FS_FUNCTIONS[fs][op];
      candidates.push(...names);
      const fn = names.find((name) => features.hasKernelFunction(name));
      if (fn === undefined) {
        missing.push(`${fs} ${op}`);
        continue;
      }
      hooked.add(fs);
      functions.push(fn);
      const program = fsProgramNames(fs, op);
      if (mode === 'trampoline') {
        targets.set(program.entry, fn).set(program.exit, fn);
        programs.set(program.entry, (p) => p.attachTrace()).set(program.exit, (p) => p.attachTrace());
      } else {
        entryTargets.push(fn);
        programs.set(program.kretprobe, (p) => p.attachKprobe(fn, { retprobe: true }));
      }
    }
  }
  if (hooked.size === 0) throw new KernelFunctionMissingError(FS_NAME, mode, candidates);
  if (mode === 'probe') {
    // One entry program on every function; the object keeps every link it made.
    const entry: Attacher = (p) => entryTargets.map((fn) => p.attachKprobe(fn))[0]!;
    return { programs: new Map([[FS_PROBE_ENTRY, entry], ...programs]), targets, hooked, functions, missing };
  }
  return { programs, targets, hooked, functions, missing };
}

/** An enter/exit `syscalls:*` tracepoint pair per syscall of the roles the enabled filesystems need. */
function planFsTracepoints(enabled: ReadonlySet<FilesystemName>): { programs: Map<string, Attacher>; hooked: string[] } {
  const programs = new Map<string, Attacher>();
  const functions: string[] = [];
  const wanted = FS_TRACEPOINT_PAIRS.filter(
    (pair) =>
      (pair.role !== 'attribute' || enabled.has('nfs')) &&
      (pair.role !== 'sync' || [...enabled].some((fs) => fs !== 'nfs')),
  );
  for (const { syscall } of wanted) {
    const enter = `sys_enter_${syscall}`;
    const exit = `sys_exit_${syscall}`;
    // The exit side reads what the entry saved: both or neither.
    if (!tracepointExists(FS_NAME, 'syscalls', enter) || !tracepointExists(FS_NAME, 'syscalls', exit)) continue;
    programs.set(`tracepoint_${enter}`, (p) => p.attachTracepoint('syscalls', enter));
    programs.set(`tracepoint_${exit}`, (p) => p.attachTracepoint('syscalls', exit));
    functions.push(syscall);
  }
  if (programs.size === 0) throw new TracepointMissingError(FS_NAME, 'tracepoint', wanted.map((p) => `syscalls/sys_enter_${p.syscall}`));
  return { programs, hooked: functions };
}


/** A loaded and attached object with the maps the collector reads. */
interface FsLoaded {
  readonly object: BpfObject;
  readonly hist: BpfMap;
  readonly watch: BpfMap;
  readonly hooked: ReadonlySet<FilesystemName>;
}

/** The loader's function lookup, extended to loaded modules' functions for the modes that hook functions. */
function kernelFunctions(context: CollectorContext, mode: AttachMode, enabled: ReadonlySet<FilesystemName>): Pick<Features, 'hasKernelFunction'> {
  const features = context.loader.features;
  if (mode === 'tracepoint') return features;
  const candidates = [...enabled].flatMap((fs) => FS_OPS.flatMap((op) => FS_FUNCTIONS[fs][op]));
  try {
    return withModuleFunctions(features, mode, candidates);
  } catch (error) {
    context.logger.debug(`${FS_NAME}: cannot read module symbols, looking in vmlinux only: ${(error as Error).message}`);
    return features;
  }
}

async function loadFilesystem(context: CollectorContext, objectPath: string, mode: AttachMode): Promise<FsLoaded> {
  const enabled = enabledFilesystems(context.config);
  const lookup = kernelFunctions(context, mode, enabled);
  const features = context.loader.features;
  const plan = planFilesystem(mode, enabled, {
    hasKernelFunction: (name) => lookup.hasKernelFunction(name),
    tpBtf: () => features.tpBtf(),
    rawTracepoint: () => features.rawTracepoint(),
  });
  const object = await loadAndAttach(context, objectPath, FS_NAME, plan);
  const partial = plan.missing.filter((m) => plan.hooked.has(m.split(' ')[0] as FilesystemName));
  if (partial.length > 0) context.logger.info(`${FS_NAME}: ${mode} mode: no kernel function for ${partial.join(', ')}; those charts stay flat`);
  context.logger.debug(`${FS_NAME}: ${mode} mode for ${[...plan.hooked].join(', ')} on ${plan.functions.join(', ')}`);
  return { object, hist: object.map(FS_MAP.hist), watch: object.map(FS_MAP.watch), hooked: plan.hooked };
}

/** `tbl_fs_watch[0]`: bit per watched slot. */
export function watchMask(mounted: Iterable<FilesystemName>): number {
  let mask = 0;
  for (const fs of mounted) mask |= 1 << FILESYSTEMS.indexOf(fs);
  return mask >>> 0;
}

/**
 * A running filesystem collector. Exported inside the package only, so the
 * self-test can make it see a filesystem it mounted at once.
 */
export class FilesystemInstance extends ObjectInstance {
  readonly #context: CollectorContext;
  readonly #builder: FilesystemChartBuilder;
  readonly #options: FilesystemCollectorOptions;
  readonly #key = Buffer.alloc(4);
  readonly #mask = Buffer.alloc(4);
  readonly #loaded: FsLoaded;
  #ticks = 0;
  #mounted: FilesystemName[] = [];

  constructor(context: CollectorContext, loaded: FsLoaded, started: Pick<Started<unknown>, 'mode' | 'report'>, options: FilesystemCollectorOptions) {
    super(FS_NAME, started, loaded.object);
    this.#context = context;
    this.#loaded = loaded;
    this.#options = options;
    this.#builder = new FilesystemChartBuilder({ updateEvery: context.config.updateEvery });
    this.#refreshMounts(loaded);
  }

  /** Re-read the mounts; tell the kernel side which filesystems to keep (tracepoint mode filters on it). */
  #refreshMounts(loaded: FsLoaded): void {
    let mounted: FilesystemName[];
    try {
      mounted = mountedFilesystems(readMountinfo(this.#options.mountinfoPaths ?? MOUNTINFO_PATHS), loaded.hooked);
    } catch (error) {
      this.#context.logger.warn(`${FS_NAME}: cannot read mounts, keeping the previous list: ${(error as Error).message}`);
      return;
    }
    const mask = watchMask(mounted);
    if (this.#ticks === 0 || mask !== this.#mask.readUInt32LE(0)) {
      this.#mask.writeUInt32LE(mask, 0);
      loaded.watch.update(this.#key, this.#mask);
    }
    this.#mounted = mounted;
  }

  /**
   * Re-read the mounts now instead of at the next scheduled check (the
   * self-test mounts a scratch filesystem and measures it at once).
   * @throws CollectorClosedError after `close()`
   */
  rereadMounts(): void {
    this.assertOpen();
    this.#refreshMounts(this.#loaded);
  }

  charts(): ChartDefinition[] {
    return this.#builder.charts(this.#mounted);
  }

  /** @throws CollectorClosedError (`ECLOSED`) after `close()` */
  collect(): CollectorFrame {
    this.assertOpen();
    const loaded = this.#loaded;
    const every = Math.max(1, Math.floor(this.#options.mountCheckTicks ?? DEFAULT_MOUNT_CHECK_TICKS));
    if (this.#ticks > 0 && this.#ticks % every === 0) this.#refreshMounts(loaded);
    this.#ticks++;
    const hist = Array.from(loaded.hist.readU64Array());
    const reading: FilesystemReading = { hist, mounted: [...this.#mounted] };
    this.#options.onRead?.(reading);
    return this.#builder.frame(reading);
  }
}

/**
 * A filesystem collector definition. Use {@link filesystemCollector} unless
 * the object or the mount files live somewhere else.
 */
export function createFilesystemCollector(options: FilesystemCollectorOptions = {}): CollectorDefinition {
  const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, 'filesystem');
  return defineCollector({
    name: FS_NAME,
    defaultCollectPid: 'not set',
    modes: MODES,
    description: 'Latency histograms of reads, writes, opens and syncs on ext4, xfs, nfs, zfs and btrfs',
    selfTest: filesystemSelfTest,
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const started = await attachFirstMode(FS_NAME, MODES, context, (m) => loadFilesystem(context, objectPath, m));
      try {
        return new FilesystemInstance(context, started.value, started, options);
      } catch (error) {
        started.value.object.close();
        throw error;
      }
    },
  });
}

/** Netdata's filesystem thread: `filesystem.<fs>_{read,write,open,sync}_latency` (nfs: `_attribute_latency`). */
export const filesystemCollector: CollectorDefinition = createFilesystemCollector();
