/**
 * Which watched filesystem types are mounted: `/proc/self/mountinfo` parsing.
 */
import { readFileSync } from 'node:fs';
import { FILESYSTEMS, FS_MOUNT_TYPES, type FilesystemName } from './internal-types.js';

/** One line of a mountinfo file (proc(5)). */
export interface MountinfoEntry {
  readonly mountId: number;
  readonly parentId: number;
  /** `major:minor` of the device. */
  readonly device: string;
  readonly root: string;
  readonly mountPoint: string;
  readonly options: string;
  /** Optional fields (`shared:1`, `master:2`...). */
  readonly optionalFields: ReadonlyArray<string>;
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as `\ooo`. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Parse a mountinfo file. Lines that do not have the ` - ` separator and the
 * fields around it are skipped (a kernel never writes them; a truncated read might).
 */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const out: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    const words = line.split(' ').filter((w) => w.length > 0);
    const dash = words.indexOf('-');
    if (dash < 6 || words.length < dash + 3) continue;
    out.push({
      mountId: Number(words[0]),
      parentId: Number(words[1]),
      device: words[2]!,
      root: unescapeOctal(words[3]!),
      mountPoint: unescapeOctal(words[4]!),
      options: words[5]!,
      optionalFields: words.slice(6, dash),
      fsType: words[dash + 1]!,
      source: unescapeOctal(words[dash + 2]!),
      superOptions: words[dash + 3] ?? '',
    });
  }
  return out;
}

/** The slot a mountinfo filesystem type counts for, if any (`nfs4` is nfs). */
export function filesystemOfType(fsType: string): FilesystemName | undefined {
  return FILESYSTEMS.find((fs) => FS_MOUNT_TYPES[fs].includes(fsType));
}

/** The watched filesystems among `enabled` that have at least one mount, in Netdata's order. */
export function mountedFilesystems(entries: Iterable<MountinfoEntry>, enabled: ReadonlySet<FilesystemName>): FilesystemName[] {
  const seen = new Set<FilesystemName>();
  for (const entry of entries) {
    const fs = filesystemOfType(entry.fsType);
    if (fs !== undefined && enabled.has(fs)) seen.add(fs);
  }
  return FILESYSTEMS.filter((fs) => seen.has(fs));
}

/**
 * The mount holding `path` (absolute, symlinks resolved): the one with the
 * longest mount point that is `path` or a parent of it, the last listed when
 * several are stacked on the same point (the one on top).
 */
export function mountOf(path: string, entries: Iterable<MountinfoEntry>): MountinfoEntry | undefined {
  let best: MountinfoEntry | undefined;
  for (const entry of entries) {
    const point = entry.mountPoint;
    const holds = point === '/' || path === point || path.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (holds && (best === undefined || point.length >= best.mountPoint.length)) best = entry;
  }
  return best;
}

/** Where mounts are read: our own namespace first, then init's (Netdata's fallback). */
export const MOUNTINFO_PATHS: ReadonlyArray<string> = ['/proc/self/mountinfo', '/proc/1/mountinfo'];

/**
 * Read the first readable mountinfo of `paths`.
 *
 * @throws the last read error when none can be read
 */
export function readMountinfo(paths: ReadonlyArray<string> = MOUNTINFO_PATHS): MountinfoEntry[] {
  let failure: unknown = new Error('no mountinfo path given');
  for (const path of paths) {
    try {
      return parseMountinfo(readFileSync(path, 'utf8'));
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}
