/**
 * Errors of the fd and filesystem collectors. The kit's errors cover kernel
 * functions, tracefs and use after close; each carries a stable `code` that
 * attach reports (`--check`) record.
 */
export { CollectorClosedError, KernelFunctionMissingError, TracefsNotMountedError } from '@ebpf-collectors/core';

/** `filesystem.conf` `[filesystem]` turns every filesystem off: nothing to hook. */
export class NoFilesystemEnabledError extends Error {
  readonly code = 'ENOFS';
  constructor() {
    super('filesystem: every filesystem is disabled in filesystem.conf [filesystem] (ext4dist, xfsdist, nfsdist, zfsdist, btrfsdist)');
    this.name = 'NoFilesystemEnabledError';
  }
}

/** None of the syscall tracepoints a collector needs exists on this kernel. */
export class TracepointMissingError extends Error {
  readonly code = 'ENOENT';
  constructor(
    readonly collector: string,
    /** The `syscalls` events looked for. */
    readonly events: ReadonlyArray<string>,
  ) {
    super(`${collector} tracepoint: the kernel has none of syscalls/${events.join(', syscalls/')}`);
    this.name = 'TracepointMissingError';
  }
}
