/**
 * readNetdataCgroupShm while cgroups.plugin rewrites the segment: node:fs is
 * wrapped so that reads of the entries see a different first name byte each
 * time, as a reader racing the writer would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { NetdataShmError, readNetdataCgroupShm } from '../src/netdata.js';
import { buildSegment } from './netdata-shm-writer.js';

const race = vi.hoisted(() => ({ rewritesLeft: 0, entryReads: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readSync = ((fd: number, buffer: NodeJS.ArrayBufferView, offset: number, length: number, position: number | null) => {
    const n = fs.readSync(fd, buffer, offset, length, position);
    // A read from the start that reaches the first entry's name.
    if (position === 0 && n > 24 && buffer instanceof Uint8Array) {
      race.entryReads++;
      if (race.rewritesLeft > 0) {
        race.rewritesLeft--;
        buffer[offset + 24] = 0x61 + (race.entryReads % 26);
      }
    }
    return n;
  }) as typeof fs.readSync;
  return { ...fs, readSync, default: { ...fs, readSync } };
});

const dir = mkdtempSync(join(tmpdir(), 'netdata-shm-busy-'));
const file = join(dir, 'netdata_shm_cgroup_ebpf');
writeFileSync(file, buildSegment([{ name: 'cgroup_web', path: '/sys/fs/cgroup/web/cgroup.procs' }], { max: 4 }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  race.rewritesLeft = 0;
  race.entryReads = 0;
});

describe('readNetdataCgroupShm without the semaphore', () => {
  it('uses a copy only once two reads in a row agree', () => {
    race.rewritesLeft = 1;
    const shm = readNetdataCgroupShm(file, { endianness: 'LE', retryDelayMs: 0 });
    expect(shm?.cgroups.map((c) => c.name)).toEqual(['cgroup_web']);
    // The first pair disagreed; the second agreed.
    expect(race.entryReads).toBe(4);
  });

  it('gives up with ESHMBUSY when every pair disagrees', () => {
    race.rewritesLeft = Number.POSITIVE_INFINITY;
    let thrown: unknown;
    try {
      readNetdataCgroupShm(file, { endianness: 'LE', attempts: 3, retryDelayMs: 0 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(NetdataShmError);
    expect(thrown).toMatchObject({ code: 'ESHMBUSY', path: file });
    expect(race.entryReads).toBe(6);
  });
});
