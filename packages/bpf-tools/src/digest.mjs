/**
 * The digest of a built object, recorded next to it as `<name>.bpf.o.sha256`
 * in sha256sum's format (`<hex>  <name>.bpf.o`). The loader
 * (@ebpf-collectors/loader-native) checks an object against it before libbpf
 * parses anything, so a damaged or altered shipped object is refused with a
 * message naming the file instead of reaching libbpf's ELF parser (which a
 * corrupt object can crash).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Path of the digest file of `objectPath`. */
export function digestPath(objectPath) {
  return `${objectPath}.sha256`;
}

/**
 * Write (or refresh) `<objectPath>.sha256`; a no-op when it already says the same.
 * @param {string} objectPath
 * @returns {string} the hex digest
 */
export function writeObjectDigest(objectPath) {
  const hex = createHash('sha256').update(readFileSync(objectPath)).digest('hex');
  const text = `${hex}  ${basename(objectPath)}\n`;
  const path = digestPath(objectPath);
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileSync(path, text);
  return hex;
}
