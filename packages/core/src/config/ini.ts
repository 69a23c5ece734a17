/**
 * Netdata's appconfig ini dialect: `[section]` headers, `key = value` lines,
 * `#` comment lines. Keys may contain spaces; keys and values are trimmed;
 * nothing after the value is a comment (`a = b # c` has the value `b # c`,
 * as in Netdata). Every section and entry keeps its file and line so later
 * errors can point at them.
 */
import type { ConfigEntry, ConfigSection } from '../types.js';
import { ConfigFileError, readConfigFileText } from './read-file.js';
import { printable } from '../text.js';
import { ConfigError } from './errors.js';

/** A parsed ini file. */
export interface IniDocument {
  readonly file: string;
  /** Sections by name, in file order. A section given twice is merged into its first occurrence. */
  readonly sections: ReadonlyMap<string, ConfigSection>;
  /** Lines that could not be parsed; parsing continued past each. */
  readonly errors: ReadonlyArray<ConfigError>;
  /** Lines that parsed but are suspicious (a key given twice in a section). */
  readonly warnings: ReadonlyArray<string>;
}

const LINE_ACCEPTED = 'a "[section]" header, a "key = value" line, a "#" comment or an empty line';

/** Values Netdata reads as true (case-insensitive). Everything else is false to Netdata. */
const TRUE_WORDS = new Set(['yes', 'true', 'on', 'auto', 'on demand']);
/** Values we accept as false for typed keys; anything outside both sets is rejected. */
const FALSE_WORDS = new Set(['no', 'false', 'off']);

/** Human text of the accepted boolean spellings, for error messages. */
export const BOOLEAN_ACCEPTED = 'yes, no, true, false, on, off, auto, on demand';

/**
 * Netdata's own boolean reading: true for `yes`, `true`, `on`, `auto`,
 * `on demand` (any case), false for anything else.
 */
export function netdataBoolean(value: string): boolean {
  return TRUE_WORDS.has(value.trim().toLowerCase());
}

/**
 * Strict boolean reading for typed keys: Netdata's true words, or `no`,
 * `false`, `off`; `undefined` for anything else (which Netdata would have
 * silently read as false).
 */
export function parseBoolean(value: string): boolean | undefined {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

interface MutableSection {
  name: string;
  file: string;
  line: number;
  entries: Map<string, ConfigEntry>;
}

/**
 * Parse ini text. Never throws: malformed lines become {@link ConfigError}s
 * naming `file:line` and are skipped, as Netdata skips them.
 *
 * @param text - File contents (a leading BOM and CRLF line ends are tolerated).
 * @param file - Path used in locations and messages.
 */
export function parseIni(text: string, file: string): IniDocument {
  const sections = new Map<string, MutableSection>();
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  let current: MutableSection | undefined;

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const s = raw.trim();
    if (s === '' || s.startsWith('#')) return;

    if (s.startsWith('[') && s.endsWith(']')) {
      const name = s.slice(1, -1).trim();
      if (name === '') {
        errors.push(new ConfigError({ file, line, value: s, accepted: 'a section name between the brackets' }));
        current = undefined;
        return;
      }
      current = sections.get(name);
      if (!current) {
        current = { name, file, line, entries: new Map() };
        sections.set(name, current);
      }
      return;
    }

    const eq = s.indexOf('=');
    if (eq < 0) {
      errors.push(new ConfigError({ file, line, section: current?.name, value: s, accepted: LINE_ACCEPTED }));
      return;
    }
    const key = s.slice(0, eq).trim();
    const value = s.slice(eq + 1).trim();
    if (key === '') {
      errors.push(new ConfigError({ file, line, section: current?.name, value: s, accepted: 'a key before "="' }));
      return;
    }
    if (!current) {
      // Netdata drops such lines too; the error says why the setting had no effect.
      errors.push(
        new ConfigError({
          file,
          line,
          value: s,
          accepted: 'a "[section]" header before the first "key = value" line',
        }),
      );
      return;
    }
    const previous = current.entries.get(key);
    if (previous) {
      warnings.push(
        `${file}:${line}: [${printable(current.name)}] "${printable(key)}" is set again; this value replaces the one at line ${previous.line}`,
      );
      // Re-insert so iteration order follows the value that is used.
      current.entries.delete(key);
    }
    current.entries.set(key, { key, value, file, line });
  });

  return { file, sections: new Map(sections), errors, warnings };
}

/**
 * Read and parse an ini file.
 *
 * @returns The document, or `undefined` when the file does not exist (or is a
 *   directory, or unreadable: then `onUnreadable` receives a
 *   {@link ConfigError} with line 0 and the file is treated as absent, which
 *   is what Netdata does with a file it cannot open).
 */
export async function readIniFile(
  path: string,
  onUnreadable?: (error: ConfigError) => void,
): Promise<IniDocument | undefined> {
  let text: string;
  try {
    text = readConfigFileText(path);
  } catch (error) {
    const problem = error instanceof ConfigFileError ? error : undefined;
    if (!problem?.absent) {
      onUnreadable?.(
        new ConfigError({
          file: path,
          line: 0,
          value: '',
          accepted: 'a readable regular file of at most 4 MiB',
          message: `${problem?.message ?? `${path}: cannot be read (${String(error)})`}; it is skipped`,
          cause: error,
        }),
      );
    }
    return undefined;
  }
  return parseIni(text, path);
}
