/**
 * Mount parsing: which watched filesystems are mounted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { filesystemOfType, mountedFilesystems, parseMountinfo, readMountinfo } from '../src/mountinfo.js';
import type { FilesystemName } from '../src/types.js';

/** Lines as kernels write them: optional fields, none, several, escapes, nfs4. */
const SAMPLE = [
  '22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro',
  '23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
  '35 22 0:31 / /sys/kernel/tracing rw,relatime - tracefs nodev rw',
  '61 22 7:0 / /var/tmp/my\\040data rw,relatime shared:30 master:2 - xfs /dev/loop0 rw,attr2,inode64',
  '62 22 0:52 / /mnt/nfs rw,relatime - nfs4 server:/export rw,vers=4.2',
  '63 22 0:53 /sub /srv/btr rw,relatime - btrfs /dev/loop1 rw,space_cache=v2,subvolid=5',
  '64 22 0:54 / /tank rw - zfs tank rw,xattr',
  'garbage line without separator',
  '',
].join('\n');

describe('parseMountinfo', () => {
  const entries = parseMountinfo(SAMPLE);

  it('reads every well-formed line and skips the rest', () => {
    expect(entries.map((e) => e.fsType)).toEqual(['ext4', 'proc', 'tracefs', 'xfs', 'nfs4', 'btrfs', 'zfs']);
  });

  it('splits the fields around the separator, whatever the number of optional fields', () => {
    expect(entries[0]).toEqual({
      mountId: 22,
      parentId: 1,
      device: '259:2',
      root: '/',
      mountPoint: '/',
      options: 'rw,relatime',
      optionalFields: ['shared:1'],
      fsType: 'ext4',
      source: '/dev/nvme0n1p2',
      superOptions: 'rw,errors=remount-ro',
    });
    expect(entries[2]!.optionalFields).toEqual([]);
    expect(entries[3]!.optionalFields).toEqual(['shared:30', 'master:2']);
    expect(entries[5]!.root).toBe('/sub');
  });

  it('unescapes octal escapes in paths', () => {
    expect(entries[3]!.mountPoint).toBe('/var/tmp/my data');
  });

  it('parses this machine\'s own mountinfo', () => {
    const mine = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.some((e) => e.mountPoint === '/')).toBe(true);
    expect(readMountinfo().length).toBe(mine.length);
  });
});

describe('mountedFilesystems', () => {
  const all = new Set<FilesystemName>(['ext4', 'xfs', 'nfs', 'zfs', 'btrfs']);

  it('lists the enabled filesystems with a mount, in Netdata order; nfs4 counts as nfs', () => {
    expect(mountedFilesystems(parseMountinfo(SAMPLE), all)).toEqual(['ext4', 'xfs', 'nfs', 'zfs', 'btrfs']);
    expect(filesystemOfType('nfs4')).toBe('nfs');
    expect(filesystemOfType('ext3')).toBeUndefined();
  });

  it('leaves out disabled filesystems and unmounted ones', () => {
    const entries = parseMountinfo(SAMPLE).filter((e) => e.fsType !== 'zfs');
    expect(mountedFilesystems(entries, new Set<FilesystemName>(['ext4', 'nfs', 'zfs']))).toEqual(['ext4', 'nfs']);
  });

  it('reads nothing from a file without mounts', () => {
    expect(mountedFilesystems(parseMountinfo(''), all)).toEqual([]);
  });

  it('falls back to the next path and fails when none can be read', () => {
    expect(readMountinfo(['/nonexistent/mountinfo', '/proc/self/mountinfo']).length).toBeGreaterThan(0);
    expect(() => readMountinfo(['/nonexistent/mountinfo'])).toThrow(/ENOENT/);
  });
});
