/**
 * Kernel feature probes. Every answer comes from a real attempt (a program
 * load, an attach, a map operation) made by the addon, and is cached in the
 * {@link Features} instance, so one Loader probes each feature once.
 */
import { existsSync } from 'node:fs';

import { BpfError, errorFromNative, invalidArgument } from './errors.js';
import type { NativeBinding, NativeProbeResult } from './internal-types.js';
import { kernelRelease, resolveBtfFile, resolveSyscallPrefix, versionCodeOf, VMLINUX_BTF } from './kernel.js';
import { mapTypeOf } from './kinds.js';
import { nativeBinding } from './native.js';
import type { Features, Logger, MapKind } from './types.js';

/** Options of {@link probeFeatures}. */
export interface FeatureOptions {
  /** Receives one debug line per probe answer. */
  logger?: Logger;
  /** BTF used for CO-RE (file or directory); `btf()` checks it instead of `/sys/kernel/btf/vmlinux`. */
  btfPath?: string;
}

/** Names accepted by {@link Features.reason}: the probe method names plus the kind-style aliases. */
const REASON_ALIASES: Readonly<Record<string, string>> = {
  raw_tracepoint: 'rawTracepoint',
  raw_tp: 'rawTracepoint',
  tp_btf: 'tpBtf',
  fexit: 'fentry',
  trampoline: 'fentry',
  kretprobe: 'kprobe',
  batch_ops: 'batchOps',
};

/** How long the parsed function names stay after the last lookup. */
const BTF_NAMES_KEEP_MS = 5000;

const TRACEFS_MISSING = 'tracefs not mounted at /sys/kernel/tracing';

/**
 * Creates a feature prober. Answers are cached per instance, except a
 * tracepoint answer of "tracefs not mounted", which is asked again until
 * tracefs appears (see {@link ensureTracefs}).
 */
export function probeFeatures(options: FeatureOptions = {}): Features {
  return new KernelFeatures(options);
}

class KernelFeatures implements Features {
  readonly #options: FeatureOptions;
  readonly #answers = new Map<string, NativeProbeResult>();
  readonly #functions = new Map<string, boolean>();
  #syscallPrefix: string | undefined;
  #btfNames: { file: string | undefined; names: string | null } | undefined;
  #btfNamesTimer: NodeJS.Timeout | undefined;

  constructor(options: FeatureOptions) {
    this.#options = options;
  }

  btf(): boolean {
    return this.#probe('btf', (n) => {
      const path = this.#options.btfPath === undefined ? VMLINUX_BTF : this.#btfFileOrReason();
      if (typeof path !== 'string') return path;
      return n.probeBtf(path);
    });
  }

  tracepoint(): boolean {
    return this.#probe('tracepoint', (n) => n.probeTracepoint());
  }

  rawTracepoint(): boolean {
    return this.#probe('rawTracepoint', (n) => n.probeRawTracepoint());
  }

  tpBtf(): boolean {
    return this.#probe('tpBtf', (n) => n.probeTpBtf());
  }

  fentry(): boolean {
    return this.#probe('fentry', (n) => n.probeFentry());
  }

  kprobe(): boolean {
    return this.#probe('kprobe', (n) => n.probeKprobe());
  }

  batchOps(): boolean {
    return this.#probe('batchOps', (n) => n.probeBatchOps());
  }

  /** @throws BpfError `EINVAL` for `other` (nothing to probe). */
  mapType(kind: MapKind): boolean {
    const type = mapTypeOf(kind);
    if (type === undefined) throw invalidArgument(`probe map type ${kind}`, `'${kind}' is not a probeable map kind`);
    return this.#probe(`mapType:${kind}`, (n) => n.probeMapType(type));
  }

  kernelRelease(): string {
    return kernelRelease();
  }

  kernelVersionCode(): number {
    return versionCodeOf(kernelRelease());
  }

  /** BTF FUNC lookup in the kernel's BTF (or the configured BTF when the kernel has none); kallsyms when there is no BTF at all. */
  hasKernelFunction(name: string): boolean {
    const cached = this.#functions.get(name);
    if (cached !== undefined) return cached;
    const binding = nativeBinding();
    const btfFile = existsSync(VMLINUX_BTF) ? undefined : this.#customBtfFile();
    let answer: boolean | undefined;
    if (btfFile !== null) {
      const names = this.#functionNames(btfFile);
      if (names !== null) answer = names.includes(`\n${name}\n`);
    }
    if (answer === undefined) {
      try {
        answer = binding.kallsymsFunctions([name])[0] ?? false;
      } catch (e) {
        throw errorFromNative(e);
      }
    }
    this.#functions.set(name, answer);
    return answer;
  }

  syscallPrefix(): string {
    this.#syscallPrefix ??= resolveSyscallPrefix(nativeBinding());
    return this.#syscallPrefix;
  }

  /** Why a probe answered false. Keys: the method names (`fentry`, `tpBtf`, `mapType:ringbuf`) or `tp_btf`, `raw_tracepoint`, `fexit`, `kretprobe`. */
  reason(feature: string): string | undefined {
    const key = REASON_ALIASES[feature] ?? feature;
    return this.#answers.get(key)?.reason;
  }

  #probe(key: string, run: (binding: NativeBinding) => NativeProbeResult): boolean {
    const cached = this.#answers.get(key);
    // A missing tracefs is fixed at run time (ensureTracefs), so that answer is asked again.
    if (cached && !(key === 'tracepoint' && cached.reason === TRACEFS_MISSING)) return cached.ok;
    let answer: NativeProbeResult;
    try {
      answer = run(nativeBinding());
    } catch (e) {
      throw errorFromNative(e);
    }
    const logger = this.#options.logger;
    if (logger) {
      for (const [, text] of answer.log ?? []) logger.debug(text);
      logger.debug(`feature ${key}: ${answer.ok ? 'yes' : `no (${answer.reason ?? 'no reason given'})`}`);
    }
    this.#answers.set(key, answer);
    return answer.ok;
  }

  #btfFileOrReason(): string | NativeProbeResult {
    try {
      return resolveBtfFile(this.#options.btfPath ?? VMLINUX_BTF);
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  /** The configured BTF file; null when none is configured or it cannot be found. */
  /**
   * Every function name of the BTF (`\nname\n...`), parsed once for a burst
   * of lookups: a plugin's start asks for dozens of names, and parsing the
   * kernel's BTF once per name took over a second. Dropped a few seconds
   * after the last lookup, so the plugin does not keep the ~1.5 MB string.
   */
  #functionNames(file: string | undefined): string | null {
    if (this.#btfNames === undefined || this.#btfNames.file !== file) {
      this.#btfNames = { file, names: nativeBinding().btfFunctionNames(file) };
    }
    if (this.#btfNamesTimer === undefined) {
      this.#btfNamesTimer = setTimeout(() => {
        this.#btfNames = undefined;
        this.#btfNamesTimer = undefined;
      }, BTF_NAMES_KEEP_MS);
      this.#btfNamesTimer.unref();
    } else {
      this.#btfNamesTimer.refresh();
    }
    return this.#btfNames.names;
  }

  #customBtfFile(): string | null {
    if (this.#options.btfPath === undefined) return null;
    try {
      return resolveBtfFile(this.#options.btfPath);
    } catch {
      return null;
    }
  }
}

/** Result of {@link ensureTracefs}. */
export interface TracefsStatus {
  path: '/sys/kernel/tracing';
  /** `mounted` when this call mounted it. */
  action: 'already-mounted' | 'mounted';
}

/**
 * Makes sure tracefs is mounted at /sys/kernel/tracing (tracepoint programs
 * need it to resolve event ids), mounting it when it is not.
 * @throws BpfError `EPERM` when not privileged to mount (needs root / CAP_SYS_ADMIN),
 * `ENOENT` when the kernel has no tracing support; the message says what to do.
 */
export function ensureTracefs(): TracefsStatus {
  try {
    return { path: '/sys/kernel/tracing', action: nativeBinding().mountTracefs() };
  } catch (e) {
    const error = errorFromNative(e);
    if (error instanceof BpfError) {
      throw new BpfError(`${error.message}; mount it by hand with: mount -t tracefs nodev /sys/kernel/tracing`, {
        code: error.code,
        errno: error.errno,
        op: error.op,
        cause: error,
      });
    }
    throw error;
  }
}
