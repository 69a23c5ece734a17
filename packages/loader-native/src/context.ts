/** What the programs, maps and links of one object share. */
import { errorFromNative, NotSupportedError, type ErrorContext } from './errors.js';
import type { NativeErrorFields, NativeObjectHandle } from './internal-types.js';
import { deliverLog } from './log.js';
import type { Link, Logger, ProgramKind } from './types.js';

export interface ObjectContext {
  readonly name: string;
  readonly handle: NativeObjectHandle;
  readonly logger: Logger;
  /** Arch prefix of syscall symbols (`__x64_sys_`), resolved on first use. */
  readonly syscallPrefix: () => string;
  kindOf(program: string): ProgramKind | undefined;
  /** Records a link made from one of the object's programs; returns the hook its close() calls. */
  trackLink(link: Link): () => void;
}

/**
 * Calls into the addon for an operation that may make libbpf print: the
 * lines are delivered to the object's logger afterwards, and a native error
 * becomes the right BpfError class.
 */
export function runLogged<T>(ctx: ObjectContext, fn: () => T, errorContext: ErrorContext = {}): T {
  try {
    return fn();
  } catch (e) {
    const error = errorFromNative(e, { kindOf: (p) => ctx.kindOf(p), ...errorContext });
    const demote = error instanceof NotSupportedError;
    const lines = (e as Partial<NativeErrorFields>).nativeLog;
    if (lines) deliverLog(ctx.logger, lines, { demote });
    deliverLog(ctx.logger, ctx.handle.drainLog(), { demote });
    throw error;
  } finally {
    deliverLog(ctx.logger, ctx.handle.drainLog());
  }
}

/** Calls into the addon on a hot path (map reads): libbpf's low-level calls never print, so only errors are converted. */
export function runQuiet<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw errorFromNative(e);
  }
}
