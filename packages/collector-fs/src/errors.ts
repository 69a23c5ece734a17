/**
 * Errors of the fd and filesystem collectors. The kit's errors cover kernel
 * functions, tracefs and use after close; each carries a stable `code` that
 * attach reports (`--check`) record.
 */
import { SelfTestSkipped } from '@ebpf-collectors/core';
export { CollectorClosedError, KernelFunctionMissingError, TracefsNotMountedError, TracepointMissingError, WorkloadError } from '@ebpf-collectors/core';

/** `filesystem.conf` `[filesystem]` turns every filesystem off: nothing to hook. */
export class NoFilesystemEnabledError extends Error {
  readonly code = 'ENOFS';
  constructor() {
    super('filesystem: every filesystem is disabled in filesystem.conf [filesystem] (ext4dist, xfsdist, nfsdist, zfsdist, btrfsdist)');
    this.name = 'NoFilesystemEnabledError';
  }
}

/**
 * The filesystem self-test found no writable directory on a filesystem the
 * collector watches and could not make one (a loop device with a fresh
 * filesystem); `reasons` says what each attempt lacked. A skip, not a
 * failure: the machine cannot host the workload, the collector is not at fault.
 */
export class NoScratchFilesystemError extends SelfTestSkipped {
  override readonly code = 'ENOSCRATCHFS';
  constructor(
    /** Filesystems the collector watches in this configuration. */
    readonly watched: ReadonlyArray<string>,
    /** One line per directory or loop filesystem tried. */
    readonly reasons: ReadonlyArray<string>,
  ) {
    super(
      `filesystem self-test: no writable directory on a watched filesystem (${watched.join(', ')}) and none could be made: ` +
        reasons.join('; '),
    );
    this.name = 'NoScratchFilesystemError';
  }
}
