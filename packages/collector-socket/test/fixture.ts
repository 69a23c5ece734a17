/**
 * Recorded socket-collector runs (see test-utils' fixtures): the kernel test
 * writes them with EBPFC_RECORD_FIXTURES=1, the unit tests replay them.
 */
import { readFixture as readAny, writeFixture as writeAny, type CollectorFixture } from '@ebpf-collectors/test-utils';
import type { NetWorkload, NetWorkloadResult } from '../src/index.js';

export {
  FixtureRecorder,
  RecordedGrouping,
  frameValues,
  laneSum,
  tickReading,
  type FixturePid,
  type FixtureTick,
} from '@ebpf-collectors/test-utils';

/** Fixtures recorded before the workload made oversized UDP sends lack `failedUdpSends` (in both). */
export type SocketWorkloadRecord = Omit<NetWorkload, 'failedUdpSends'> &
  Partial<Pick<NetWorkload, 'failedUdpSends'>> & {
    readonly comm: string;
    readonly group: string;
    readonly result: Omit<NetWorkloadResult, 'failedUdpSends'> & Partial<Pick<NetWorkloadResult, 'failedUdpSends'>>;
  };

export type SocketFixture = CollectorFixture<SocketWorkloadRecord>;

export const writeFixture = (path: string, fixture: SocketFixture): void => writeAny(path, fixture);
export const readFixture = (path: string): SocketFixture => readAny<SocketWorkloadRecord>(path);
