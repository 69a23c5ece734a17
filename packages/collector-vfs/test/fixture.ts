/**
 * Recorded vfs-collector runs (see test-utils' fixtures): the kernel test
 * writes them with EBPFC_RECORD_FIXTURES=1, the unit tests replay them.
 */
import { readFixture as readAny, writeFixture as writeAny, type CollectorFixture } from '@ebpf-collectors/test-utils';
import type { FileWorkload } from '../src/self-test.js';

export {
  FixtureRecorder,
  RecordedGrouping,
  frameValues,
  laneSum,
  tickReading,
  type FixturePid,
  type FixtureTick,
} from '@ebpf-collectors/test-utils';

/** The workload run between tick 0 and tick 1, by a process tree named `comm` in app group `group`. */
export type VfsWorkloadRecord = FileWorkload & { readonly comm: string; readonly group: string };

export type VfsFixture = CollectorFixture<VfsWorkloadRecord>;

export const writeFixture = (path: string, fixture: VfsFixture): void => writeAny(path, fixture);
export const readFixture = (path: string): VfsFixture => readAny<VfsWorkloadRecord>(path);
