/**
 * The filesystem collector's own configuration keys (`filesystem.conf`
 * `[filesystem]`), shared by the collector and its self-test.
 */
import type { CollectorConfig } from '@ebpf-collectors/core';
import { netdataBoolean } from '@ebpf-collectors/core';
import { FILESYSTEMS, type FilesystemName } from './internal-types.js';

/** `filesystem.conf` section with the per-filesystem switches. */
export const FILESYSTEM_SECTION = 'filesystem';

/**
 * The filesystems `[filesystem]` enables: `<fs>dist = yes|no`, yes when
 * absent, values read as Netdata reads booleans.
 */
export function enabledFilesystems(config: Pick<CollectorConfig, 'sections'>): Set<FilesystemName> {
  const section = config.sections.get(FILESYSTEM_SECTION);
  const enabled = new Set<FilesystemName>();
  for (const fs of FILESYSTEMS) {
    const entry = section?.entries.get(`${fs}dist`);
    if (entry === undefined || netdataBoolean(entry.value)) enabled.add(fs);
  }
  return enabled;
}
