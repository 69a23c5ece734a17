/**
 * The two Netdata threads this package provides, as one list for agents
 * that load every collector of a package.
 */
import type { CollectorDefinition } from '@ebpf-collectors/core';
import { fdCollector } from './fd.js';
import { filesystemCollector } from './filesystem.js';

export { createFdCollector, decodeFdCounters, fdCollector, planFd } from './fd.js';
export {
  DEFAULT_MOUNT_CHECK_TICKS,
  FILESYSTEM_SECTION,
  createFilesystemCollector,
  enabledFilesystems,
  filesystemCollector,
  planFilesystem,
  watchMask,
} from './filesystem.js';

/** Both collectors in Netdata's thread order: `filesystem` (thread 7), then `fd` (thread 10). */
export const collectors: ReadonlyArray<CollectorDefinition> = Object.freeze([filesystemCollector, fdCollector]);
