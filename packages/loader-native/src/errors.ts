/**
 * The loader's errors, all built here. The native addon throws plain `Error`s
 * carrying `native*` fields (errno, op, names, verifier log, libbpf's lines);
 * {@link errorFromNative} decides which class they become, so the rules for
 * "not supported" vs "verifier rejected" vs "failed" live in one place.
 */
import { constants } from 'node:os';

import type { NativeErrorFields, NativeLogLine } from './internal-types.js';
import type { ProgramKind } from './types.js';

/** Kernel-internal "operation not supported" (524); the bpf() syscall leaks it to user space. */
export const ENOTSUPP = 524;

/** Features a {@link NotSupportedError} can name. */
export type FeatureName =
  | 'btf'
  | 'tracepoint'
  | 'raw_tracepoint'
  | 'tp_btf'
  | 'fentry'
  | 'kprobe'
  | 'batch_ops'
  | 'map_type'
  | 'tracefs';

/** Where an error happened, by name. */
export interface BpfErrorOptions {
  /** errno name: `EPERM`, `ENOENT`, `EINVAL`, `ENOTSUPP`... */
  code: string;
  /** errno number (positive); 0 when the error did not come from the kernel. */
  errno: number;
  /** What was attempted, e.g. `attach kprobe vfs_read`. */
  op: string;
  object?: string | undefined;
  program?: string | undefined;
  map?: string | undefined;
  /** libbpf's own lines for the failed operation. */
  libbpfLog?: readonly string[] | undefined;
  cause?: unknown;
}

/** A libbpf or kernel operation failed. */
export class BpfError extends Error {
  /** errno name: `EPERM`, `ENOENT`, `EINVAL`, `ENOTSUPP`... */
  readonly code: string;
  /** errno number (positive); 0 when the error did not come from the kernel. */
  readonly errno: number;
  /** What was attempted, e.g. `attach kprobe vfs_read` or `load object vfs.bpf.o (program trampoline_vfs_read)`. */
  readonly op: string;
  /** Object name, when the operation belonged to one. */
  readonly object: string | undefined;
  /** Program name, when one program is to blame. */
  readonly program: string | undefined;
  /** Map name, when one map is to blame. */
  readonly map: string | undefined;
  /** libbpf's lines logged during the failed operation (also sent to the logger). */
  readonly libbpfLog: readonly string[];

  constructor(message: string, options: BpfErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BpfError';
    this.code = options.code;
    this.errno = options.errno;
    this.op = options.op;
    this.object = options.object;
    this.program = options.program;
    this.map = options.map;
    this.libbpfLog = options.libbpfLog ?? [];
  }
}

/** The verifier rejected a program; `log` is what it said. */
export class VerifierError extends BpfError {
  /** The kernel verifier's log for the rejected program (never empty). */
  readonly log: string;

  constructor(message: string, options: BpfErrorOptions & { log: string }) {
    super(message, options);
    this.name = 'VerifierError';
    this.log = options.log;
  }
}

/** The running kernel lacks something the operation needs (kprobes, trampolines...). */
export class NotSupportedError extends BpfError {
  /** The missing feature. */
  readonly feature: FeatureName;

  constructor(message: string, options: BpfErrorOptions & { feature: FeatureName }) {
    super(message, options);
    this.name = 'NotSupportedError';
    this.feature = options.feature;
  }
}

const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(constants.errno).map(([name, value]) => [value, name] as const),
);

/** libbpf's own error codes (libbpf.h, LIBBPF_ERRNO__*), which no libc names. */
const LIBBPF_ERRNO_NAMES: ReadonlyMap<number, string> = new Map([
  [4000, 'LIBBPF_ERRNO__LIBELF'],
  [4001, 'LIBBPF_ERRNO__FORMAT'],
  [4002, 'LIBBPF_ERRNO__KVERSION'],
  [4003, 'LIBBPF_ERRNO__ENDIAN'],
  [4004, 'LIBBPF_ERRNO__INTERNAL'],
  [4005, 'LIBBPF_ERRNO__RELOC'],
  [4006, 'LIBBPF_ERRNO__LOAD'],
  [4007, 'LIBBPF_ERRNO__VERIFY'],
  [4008, 'LIBBPF_ERRNO__PROG2BIG'],
  [4009, 'LIBBPF_ERRNO__KVER'],
  [4010, 'LIBBPF_ERRNO__PROGTYPE'],
  [4011, 'LIBBPF_ERRNO__WRNGPID'],
  [4012, 'LIBBPF_ERRNO__INVSEQ'],
  [4013, 'LIBBPF_ERRNO__NLPARSE'],
]);

/** What libbpf's codes mean, said where the message would otherwise be a bare number or name. */
const LIBBPF_ERRNO_TEXT: ReadonlyMap<number, string> = new Map([
  [4000, 'libelf could not read it (not a regular ELF file: a directory, a device, a truncated file?)'],
  [4001, 'not a valid BPF object (not ELF, or ELF of the wrong format)'],
  [4002, 'the object has an invalid kernel version section'],
  [4003, 'the object was built for the other byte order'],
  [4004, 'libbpf internal error'],
  [4005, 'relocation failed'],
  [4006, 'the kernel refused to load it'],
  [4007, 'the verifier rejected it'],
  [4008, 'a program is too large'],
  [4009, 'the kernel version recorded in the object is wrong'],
  [4010, 'the kernel does not support this program type'],
  [4011, 'wrong pid in a netlink message'],
  [4012, 'invalid netlink sequence'],
  [4013, 'netlink message parsing failed'],
]);

/** errno number to name (`ENOTSUPP` for the kernel's 524, `LIBBPF_ERRNO__FORMAT` for libbpf's 4001...). */
export function errnoName(errno: number): string {
  if (errno === ENOTSUPP) return 'ENOTSUPP';
  const libbpf = LIBBPF_ERRNO_NAMES.get(errno);
  if (libbpf !== undefined) return libbpf;
  if (errno === 0) return 'EUNKNOWN';
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

/** An argument the caller got wrong (no kernel call was made). */
export function invalidArgument(op: string, detail: string, names: { object?: string; program?: string; map?: string } = {}): BpfError {
  return new BpfError(`${op}: EINVAL: ${detail}`, { code: 'EINVAL', errno: constants.errno.EINVAL, op, ...names });
}

/** A name that does not exist (program, map, global). */
export function notFound(op: string, detail: string, names: { object?: string; program?: string; map?: string } = {}): BpfError {
  return new BpfError(`${op}: ENOENT: ${detail}`, { code: 'ENOENT', errno: constants.errno.ENOENT, op, ...names });
}

/** A use of something already closed or consumed. */
export function badState(op: string, detail: string, names: { object?: string; program?: string; map?: string } = {}): BpfError {
  return new BpfError(`${op}: EBADF: ${detail}`, { code: 'EBADF', errno: constants.errno.EBADF, op, ...names });
}

/** Context the native error lacks: the kind of each program, to classify load and attach failures. */
export interface ErrorContext {
  kindOf?: (program: string) => ProgramKind | undefined;
  /** Kind of the program being attached (attach errors). */
  attachingKind?: ProgramKind;
}

const UNSUPPORTED_ERRNOS: ReadonlySet<number> = new Set([constants.errno.EPERM, ENOTSUPP, constants.errno.EOPNOTSUPP]);

function isNativeError(e: unknown): e is Error & NativeErrorFields {
  return e instanceof Error && typeof (e as Partial<NativeErrorFields>).nativeErrno === 'number';
}

/** libbpf's lines as plain text (one entry per line). */
export function logText(lines: readonly NativeLogLine[] | undefined): string[] {
  if (!lines) return [];
  return lines.flatMap(([, text]) => text.split('\n'));
}

function unsupportedLoad(kind: ProgramKind | undefined, errno: number, verifierLog: string): FeatureName | undefined {
  // EPERM/ENOTSUPP for a BTF-attached program means the kernel refused the
  // attach target (no trampolines, ftrace locked down), not a program bug; a
  // bare EINVAL without a verifier log means the program type is unknown.
  const unsupported = UNSUPPORTED_ERRNOS.has(errno) || (errno === constants.errno.EINVAL && verifierLog === '');
  if (!unsupported) return undefined;
  if (kind === 'fentry' || kind === 'fexit') return 'fentry';
  if (kind === 'tp_btf') return 'tp_btf';
  if ((kind === 'kprobe' || kind === 'kretprobe' || kind === 'ksyscall' || kind === 'kretsyscall') && errno === constants.errno.EINVAL) {
    return 'kprobe';
  }
  return undefined;
}

const UNSUPPORTED_WHY: Readonly<Partial<Record<FeatureName, string>>> = {
  fentry: 'trampolines are not usable on this kernel',
  tp_btf: 'BTF-enabled tracepoints are not usable on this kernel',
  kprobe: 'kprobe programs are not supported by this kernel',
};

/**
 * Turns what the addon threw into a {@link BpfError}, {@link VerifierError}
 * or {@link NotSupportedError}. Anything that is not a native error (a
 * TypeError from bad arguments) is returned unchanged.
 */
/** Set by dropCapabilities: a later EPERM is then explained by the drop, not by the kernel. */
let droppedCapabilities: string | undefined;

/** Records that this process dropped its capabilities, keeping `kept` (names, for messages). */
export function noteCapabilitiesDropped(kept: string): void {
  droppedCapabilities = kept;
}

export function errorFromNative(e: unknown, context: ErrorContext = {}): unknown {
  if (!isNativeError(e)) return e;
  const errno = e.nativeErrno;
  const code = errnoName(errno);
  const op = e.nativeOp;
  if (droppedCapabilities !== undefined && errno === constants.errno.EPERM) {
    return new BpfError(
      `${op}: EPERM: this process dropped its capabilities after attaching (dropCapabilities kept ${droppedCapabilities}); ` +
        'loading or attaching needs CAP_BPF and CAP_PERFMON: do it before the drop, or restart',
      { code, errno, op, object: e.nativeObject, program: e.nativeProgram, map: e.nativeMap, libbpfLog: logText(e.nativeLog) },
    );
  }
  const verifierLog = e.nativeVerifierLog ?? '';
  const base: BpfErrorOptions = {
    code,
    errno,
    op,
    object: e.nativeObject,
    program: e.nativeProgram,
    map: e.nativeMap,
    libbpfLog: logText(e.nativeLog),
  };
  const libbpfText = LIBBPF_ERRNO_TEXT.get(errno);
  const detail = e.nativeDetail ? `: ${e.nativeDetail}` : libbpfText !== undefined ? `: ${libbpfText}` : '';

  if (e.nativeFeature) {
    return new NotSupportedError(`${op}: ${code}${detail}`, { ...base, feature: e.nativeFeature as FeatureName });
  }

  if (op.startsWith('load object') && e.nativeProgram !== undefined) {
    const kind = context.kindOf?.(e.nativeProgram);
    const feature = unsupportedLoad(kind, errno, verifierLog);
    if (feature !== undefined) {
      const family = feature === 'fentry' ? 'fentry/fexit' : feature;
      return new NotSupportedError(
        `${family}: load of program '${e.nativeProgram}' failed with ${code}: ${UNSUPPORTED_WHY[feature] ?? 'not supported'}`,
        { ...base, feature },
      );
    }
    if (verifierLog !== '') {
      return new VerifierError(
        `${op}: the verifier rejected program '${e.nativeProgram}' (${code}): ${lastMeaningfulLine(verifierLog)}`,
        { ...base, log: verifierLog },
      );
    }
  }

  if (context.attachingKind !== undefined && UNSUPPORTED_ERRNOS.has(errno)) {
    const kind = context.attachingKind;
    if (kind === 'fentry' || kind === 'fexit') {
      return new NotSupportedError(`fentry/fexit: ${op} failed with ${code}: ${UNSUPPORTED_WHY.fentry}`, {
        ...base,
        feature: 'fentry',
      });
    }
    if (kind === 'tp_btf') {
      return new NotSupportedError(`tp_btf: ${op} failed with ${code}: ${UNSUPPORTED_WHY.tp_btf}`, { ...base, feature: 'tp_btf' });
    }
  }

  return new BpfError(`${op}: ${code}${detail}`, base);
}

/** The verifier's conclusion is near the end, before the "processed N insns" summary. */
function lastMeaningfulLine(log: string): string {
  const lines = log.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('processed ') && !l.startsWith('verification time'));
  return lines.at(-1) ?? 'see error.log';
}
