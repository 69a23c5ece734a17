import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  NETDATA_CGROUP_SHM_ENTRY_SIZE,
  NETDATA_CGROUP_SHM_HEADER_SIZE,
  NetdataShmError,
  netdataCgroupClass,
  parseNetdataCgroupShm,
  readNetdataCgroupPids,
  readNetdataCgroupShm,
  type NetdataCgroupEntry,
} from '../src/netdata.js';
import { ENTRY_BYTES, HEADER_BYTES, IS_UNIFIED, SYSTEM_SLICE_SERVICE, buildSegment, simpleHash } from './netdata-shm-writer.js';

const CGROUP_V2 = '/sys/fs/cgroup';
/** What cgroups.plugin 1.37.1 shares on a v2 host running docker and systemd services. */
const HOST = [
  {
    name: 'cgroup_nginx',
    options: IS_UNIFIED,
    path: `${CGROUP_V2}/system.slice/docker-3f1e2d4c5b6a79880123456789abcdef0123456789abcdef0123456789abcdef.scope/cgroup.procs`,
  },
  { name: 'ssh', options: IS_UNIFIED | SYSTEM_SLICE_SERVICE, path: `${CGROUP_V2}/system.slice/ssh.service/cgroup.procs` },
  { name: 'cgroup_user.slice', options: IS_UNIFIED, enabled: false, path: `${CGROUP_V2}/user.slice/cgroup.procs` },
  { name: 'cron', options: IS_UNIFIED | SYSTEM_SLICE_SERVICE, enabled: false, path: `${CGROUP_V2}/system.slice/cron.service/cgroup.procs` },
  { name: 'cgroup_qemu_vm1', options: IS_UNIFIED, enabled: false, path: '' },
];

function expectShmError(fn: () => unknown, code: NetdataShmError['code'], message?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(NetdataShmError);
  expect((thrown as NetdataShmError).code).toBe(code);
  if (message) expect((thrown as Error).message).toMatch(message);
}

describe('Netdata 1.37.1 cgroup segment layout', () => {
  it('matches the C structs: 24-byte header, 4368-byte entries', () => {
    expect(NETDATA_CGROUP_SHM_HEADER_SIZE).toBe(HEADER_BYTES);
    expect(NETDATA_CGROUP_SHM_ENTRY_SIZE).toBe(ENTRY_BYTES);
    expect(ENTRY_BYTES).toBe(4368);
  });
});

describe('parseNetdataCgroupShm', () => {
  it('decodes the header and every entry in use, in segment order', () => {
    const shm = parseNetdataCgroupShm(buildSegment(HOST, { max: 1000 }), { endianness: 'LE' });
    expect(shm.header).toEqual({ cgroupCount: 5, cgroupMax: 1000, systemdEnabled: true, bodyLength: 24 + 1000 * 4368 });
    expect(shm.cgroups).toEqual([
      { name: 'cgroup_nginx', hash: simpleHash('cgroup_nginx'), options: 0x4, enabled: true, path: HOST[0]!.path, systemdService: false },
      { name: 'ssh', hash: simpleHash('ssh'), options: 0x6, enabled: true, path: HOST[1]!.path, systemdService: true },
      { name: 'cgroup_user.slice', hash: simpleHash('cgroup_user.slice'), options: 0x4, enabled: false, path: HOST[2]!.path, systemdService: false },
      { name: 'cron', hash: simpleHash('cron'), options: 0x6, enabled: false, path: HOST[3]!.path, systemdService: true },
      { name: 'cgroup_qemu_vm1', hash: simpleHash('cgroup_qemu_vm1'), options: 0x4, enabled: false, path: '', systemdService: false },
    ]);
  });

  it('ignores the slots after the count, and needs only the entries in use', () => {
    const whole = buildSegment(HOST, { max: 8, count: 2 });
    const shm = parseNetdataCgroupShm(whole.subarray(0, 24 + 2 * 4368), { endianness: 'LE' });
    expect(shm.cgroups.map((c) => c.name)).toEqual(['cgroup_nginx', 'ssh']);
  });

  it('keeps the longest name and path the fields hold', () => {
    const name = `cgroup_${'n'.repeat(248)}`;
    const path = `/${'p'.repeat(4095)}`;
    const shm = parseNetdataCgroupShm(buildSegment([{ name, path }]), { endianness: 'LE' });
    expect(shm.cgroups[0]).toMatchObject({ name, path });
  });

  it('reads a segment written by a big-endian host', () => {
    const shm = parseNetdataCgroupShm(buildSegment(HOST, { endianness: 'BE', systemdEnabled: false }), { endianness: 'BE' });
    expect(shm.header).toMatchObject({ cgroupCount: 5, cgroupMax: 5, systemdEnabled: false });
    expect(shm.cgroups[1]).toMatchObject({ name: 'ssh', options: 0x6, systemdService: true, hash: simpleHash('ssh') });
  });

  it('decodes a segment cgroups.plugin created but has not filled yet to no cgroups', () => {
    const shm = parseNetdataCgroupShm(Buffer.alloc(24 + 3 * 4368), { endianness: 'LE' });
    expect(shm).toEqual({ header: { cgroupCount: 0, cgroupMax: 0, systemdEnabled: false, bodyLength: 0 }, cgroups: [] });
  });

  it('refuses input shorter than the header', () => {
    expectShmError(() => parseNetdataCgroupShm(Buffer.alloc(23)), 'ESHMTRUNCATED', /23 bytes/);
    expectShmError(() => parseNetdataCgroupShm(new Uint8Array(0)), 'ESHMTRUNCATED');
  });

  it('refuses input cut inside an entry in use', () => {
    const whole = buildSegment(HOST);
    expectShmError(() => parseNetdataCgroupShm(whole.subarray(0, whole.length - 1), { endianness: 'LE' }), 'ESHMTRUNCATED', /5 cgroups need/);
    expectShmError(() => parseNetdataCgroupShm(whole.subarray(0, 24 + 4368 + 100), { endianness: 'LE' }), 'ESHMTRUNCATED');
  });

  it('refuses a count larger than the body holds', () => {
    // The header claims three more entries than were allocated and written.
    expectShmError(() => parseNetdataCgroupShm(buildSegment(HOST, { count: 8 }), { endianness: 'LE' }), 'ESHMCORRUPT', /8 cgroups in use but only 5 allocated/);
    // Allocated and declared consistently, but the bytes stop after two entries.
    const short = buildSegment(HOST.slice(0, 2), { max: 4, count: 4 }).subarray(0, 24 + 2 * 4368);
    expectShmError(() => parseNetdataCgroupShm(short, { endianness: 'LE' }), 'ESHMTRUNCATED', /4 cgroups need 17496 bytes, only 8760/);
  });

  it('refuses negative counts', () => {
    expectShmError(() => parseNetdataCgroupShm(buildSegment(HOST, { count: -1 }), { endianness: 'LE' }), 'ESHMCORRUPT', /negative/);
  });

  it('refuses a declared length that is not the 1.37.1 layout (another version or a 32-bit writer)', () => {
    expectShmError(
      () => parseNetdataCgroupShm(buildSegment(HOST, { bodyLength: BigInt(16 + 5 * 4364) }), { endianness: 'LE' }),
      'ESHMCORRUPT',
      /the 1.37.1 layout needs 21864/,
    );
  });

  it('refuses names and paths without a terminating NUL', () => {
    const noNul = buildSegment([{ name: 'cgroup_a', path: '/x/cgroup.procs' }]);
    noNul.fill(0x61, 24, 24 + 256);
    expectShmError(() => parseNetdataCgroupShm(noNul, { endianness: 'LE' }), 'ESHMCORRUPT', /entry 0: name/);
    const noPathNul = buildSegment([{ name: 'cgroup_a', path: '/x/cgroup.procs' }]);
    noPathNul.fill(0x2f, 24 + 268, 24 + 268 + 4097);
    expectShmError(() => parseNetdataCgroupShm(noPathNul, { endianness: 'LE' }), 'ESHMCORRUPT', /entry 0: path/);
  });
});

describe('netdataCgroupClass', () => {
  const [nginx, ssh, userSlice, cron] = parseNetdataCgroupShm(buildSegment(HOST), { endianness: 'LE' }).cgroups as NetdataCgroupEntry[];

  it('charts enabled cgroups under their name without the cgroup_ prefix', () => {
    expect(netdataCgroupClass(nginx!, true)).toEqual({ kind: 'cgroup', name: 'nginx' });
    expect(netdataCgroupClass(nginx!, false)).toEqual({ kind: 'cgroup', name: 'nginx' });
  });

  it('makes systemd services services, only while the segment says systemd charts are on', () => {
    expect(netdataCgroupClass(ssh!, true)).toEqual({ kind: 'service', name: 'ssh' });
    expect(netdataCgroupClass(ssh!, false)).toEqual({ kind: 'none' });
  });

  it('charts nothing for disabled entries', () => {
    expect(netdataCgroupClass(userSlice!, true)).toEqual({ kind: 'none' });
    expect(netdataCgroupClass(cron!, true)).toEqual({ kind: 'none' });
  });
});

const tmpDirs: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netdata-shm-'));
  tmpDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('readNetdataCgroupShm', () => {
  it('returns undefined when no segment exists', () => {
    expect(readNetdataCgroupShm(join(tmp(), 'netdata_shm_cgroup_ebpf'))).toBeUndefined();
  });

  it('reads a segment file the size cgroups.plugin allocates', () => {
    const file = join(tmp(), 'netdata_shm_cgroup_ebpf');
    writeFileSync(file, buildSegment(HOST, { max: 1000, endianness: 'LE' }));
    const shm = readNetdataCgroupShm(file, { endianness: 'LE' });
    expect(shm?.header.cgroupMax).toBe(1000);
    expect(shm?.cgroups.map((c) => c.name)).toEqual(HOST.map((h) => h.name));
  });

  it('names the file in errors about its content', () => {
    const file = join(tmp(), 'netdata_shm_cgroup_ebpf');
    writeFileSync(file, buildSegment(HOST).subarray(0, 24 + 4368));
    expectShmError(() => readNetdataCgroupShm(file, { endianness: 'LE' }), 'ESHMTRUNCATED', new RegExp(`^${file}: `));
  });

  it('reports a path it cannot read as ESHMREAD', () => {
    // A directory opens but cannot be read.
    expectShmError(() => readNetdataCgroupShm(tmp()), 'ESHMREAD');
  });
});

/**
 * This process's `cgroup.procs`, chosen as cgroups.plugin does: the cpuset,
 * blkio, memory, devices hierarchies, then the unified one; undefined when
 * none is mounted where /proc/self/cgroup says (some containers).
 */
function ownCgroupProcs(): string | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return undefined;
  }
  const byController = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(\/.*)$/.exec(line);
    if (!m) continue;
    for (const c of m[1]!.split(',')) byController.set(c, m[2]!);
  }
  const candidates: string[] = [];
  for (const c of ['cpuset', 'blkio', 'memory', 'devices']) {
    const path = byController.get(c);
    if (path !== undefined) candidates.push(`/sys/fs/cgroup/${c}${path === '/' ? '' : path}/cgroup.procs`);
  }
  const unified = byController.get('');
  if (unified !== undefined) {
    const suffix = unified === '/' ? '' : unified;
    candidates.push(`/sys/fs/cgroup${suffix}/cgroup.procs`, `/sys/fs/cgroup/unified${suffix}/cgroup.procs`);
  }
  return candidates.find((file) => existsSync(file));
}
const OWN_PROCS = ownCgroupProcs();

describe('readNetdataCgroupPids', () => {
  it('takes the first number of each line and skips blanks, zero and junk', () => {
    const file = join(tmp(), 'cgroup.procs');
    writeFileSync(file, '1234\n  77\t\n\n0\nabc\n-5\n99999\n');
    expect(readNetdataCgroupPids({ path: file })).toEqual([1234, 77, 99999]);
  });

  it('returns undefined for a removed cgroup or an entry without a path', () => {
    expect(readNetdataCgroupPids({ path: join(tmp(), 'gone', 'cgroup.procs') })).toBeUndefined();
    expect(readNetdataCgroupPids({ path: '' })).toBeUndefined();
  });

  it.skipIf(OWN_PROCS === undefined)('reads the real cgroup.procs of this process', () => {
    expect(readNetdataCgroupPids({ path: OWN_PROCS! })).toContain(process.pid);
  });
});
