/**
 * Recorded process-collector runs (see test-utils' fixtures): the kernel test
 * writes them with EBPFC_RECORD_FIXTURES=1, the unit tests replay them.
 */
import { readFixture as readAny, writeFixture as writeAny, type CollectorFixture } from '@ebpf-collectors/test-utils';

export {
  FixtureRecorder,
  RecordedGrouping,
  frameValues,
  laneSum,
  tickReading,
  type FixturePid,
  type FixtureTick,
} from '@ebpf-collectors/test-utils';

/** What the workload did between the baseline tick and the next one. */
export interface ProcessWorkloadRecord {
  readonly comm: string;
  readonly group: string;
  readonly forks: number;
  readonly threads: number;
  readonly processErrors: number;
  readonly threadErrors: number;
}

export type ProcessFixture = CollectorFixture<ProcessWorkloadRecord>;

export const writeFixture = (path: string, fixture: ProcessFixture): void => writeAny(path, fixture);
export const readFixture = (path: string): ProcessFixture => readAny<ProcessWorkloadRecord>(path);
