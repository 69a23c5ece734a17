/** Entry points: a Loader (injected into collectors) and a standalone openObject. */
import { probeFeatures } from './features.js';
import { resolveSyscallPrefix } from './kernel.js';
import { nativeBinding } from './native.js';
import { openWith } from './object.js';
import type { Features, Loader, Logger, ObjectSpec, OpenOptions } from './types.js';

/** Options of {@link createLoader}. */
export interface LoaderOptions {
  /** Default logger of every object opened through the loader, and of the feature probes. */
  logger?: Logger;
  /** Default BTF for CO-RE (file or directory) of every object opened through the loader. */
  btfPath?: string;
}

/**
 * Opens a BPF object file (or an in-memory ELF image) into an editable spec.
 * Without a Loader, the syscall prefix for `attachSyscallKprobe` is resolved
 * from kallsyms/BTF on each use.
 * @throws BpfError when the file cannot be read or parsed (code from libbpf: `ENOENT`, `EINVAL`...).
 */
export function openObject(pathOrImage: string | Buffer, options: OpenOptions = {}): ObjectSpec {
  return openWith(pathOrImage, options, { syscallPrefix: () => resolveSyscallPrefix(nativeBinding()) });
}

/**
 * Creates a Loader: `openObject` with the loader's defaults, and feature
 * probes whose answers are cached for the loader's lifetime. Holds no kernel
 * handles itself.
 */
export function createLoader(options: LoaderOptions = {}): Loader {
  const features: Features = probeFeatures(options);
  return {
    features,
    openObject(pathOrImage: string | Buffer, openOptions: OpenOptions = {}): ObjectSpec {
      const merged: OpenOptions = { ...openOptions };
      const logger = openOptions.logger ?? options.logger;
      const btfPath = openOptions.btfPath ?? options.btfPath;
      if (logger !== undefined) merged.logger = logger;
      if (btfPath !== undefined) merged.btfPath = btfPath;
      return openWith(pathOrImage, merged, { syscallPrefix: () => features.syscallPrefix() });
    },
  };
}
