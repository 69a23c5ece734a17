/**
 * Reading a configuration file without trusting it: opened without
 * blocking (a FIFO would otherwise hang start-up), only a regular file is
 * read, and never more than a few MiB (a path pointing at /dev/zero would
 * otherwise fill memory).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** The largest configuration file read: Netdata's stock files are a few KiB. */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024;

/** Why a configuration file was not read; `ENOENT`/`ENOTDIR` mean it is simply absent. */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    /** `ENOENT`, `ENOTDIR`, `EACCES`, `EISDIR`, `ENOTREG` (a FIFO, device or socket), `EFBIG`, `ELOOP`... */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConfigFileError';
  }

  /** The file does not exist (or a path component is not a directory): not a problem to report. */
  get absent(): boolean {
    return this.code === 'ENOENT' || this.code === 'ENOTDIR';
  }
}

function kindOf(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFDIR:
      return 'a directory';
    case constants.S_IFIFO:
      return 'a FIFO';
    case constants.S_IFCHR:
      return 'a character device';
    case constants.S_IFBLK:
      return 'a block device';
    case constants.S_IFSOCK:
      return 'a socket';
    default:
      return 'not a regular file';
  }
}

/**
 * The text of a regular file of at most `maxBytes`.
 *
 * @throws ConfigFileError naming the file and what is wrong with it (`absent` for a missing one)
 */
export function readConfigFileText(path: string, maxBytes = MAX_CONFIG_FILE_BYTES): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    const why = code === 'ELOOP' ? 'a symbolic link loop' : code === 'EACCES' ? 'permission denied' : code;
    throw new ConfigFileError(path, code, `${path}: cannot be opened (${why})`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const code = stat.isDirectory() ? 'EISDIR' : 'ENOTREG';
      throw new ConfigFileError(path, code, `${path}: is ${kindOf(stat.mode)}, not a configuration file`);
    }
    if (stat.size > maxBytes) {
      throw new ConfigFileError(path, 'EFBIG', `${path}: is ${stat.size} bytes, more than the ${maxBytes} a configuration file may have`);
    }
    // The size may change while reading: read at most maxBytes + 1 to notice.
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(stat.size + 1, 4096)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) break;
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) {
      throw new ConfigFileError(path, 'EFBIG', `${path}: grew past the ${maxBytes} bytes a configuration file may have while being read`);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}
