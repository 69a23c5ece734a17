/**
 * apps_groups.conf: the file that maps process names to application groups
 * (the dimensions of the `apps.*` charts). Same syntax and matching rules as
 * Netdata's apps.plugin and ebpf.plugin, so a user's existing file works
 * unchanged.
 */
import { ConfigFileError, readConfigFileText } from '../config/read-file.js';
import { MAX_MESSAGES_PER_FILE } from '../text.js';
import { join } from 'node:path';
import { AppsGroupsError, AppsGroupsNotFoundError } from './errors.js';

/** Name of the catch-all group that always exists and always comes last. */
export const OTHER_GROUP = 'other';

/** The file name looked up in the user and stock config directories. */
export const APPS_GROUPS_FILE = 'apps_groups.conf';

/**
 * Longest process name the kernel reports in `/proc/<pid>/stat` for user
 * processes (TASK_COMM_LEN - 1). An exact pattern longer than this never
 * matches.
 */
export const COMM_MAX_LENGTH = 15;

/**
 * How a pattern is compared:
 * - `exact`: `name` — equal to the process name (`comm`);
 * - `prefix`: `name*` — `comm` starts with it;
 * - `suffix`: `*name` — `comm` ends with it;
 * - `substring`: `*name*` — found anywhere in the full command line.
 */
export type PatternMode = 'exact' | 'prefix' | 'suffix' | 'substring';

/** One process pattern of apps_groups.conf. */
export interface AppsGroupPattern {
  /** Identity used for duplicate detection: the word without its leading flags (`-`, `+`, `*`), trailing `*` kept. */
  readonly id: string;
  /** The text compared against `comm` or the command line (no `*`). */
  readonly text: string;
  readonly mode: PatternMode;
  /** Group (dimension) the pattern belongs to. */
  readonly group: string;
  /** Written with a `-` flag. */
  readonly hidden: boolean;
  /** Written with a `+` flag: the user wants debug logging for processes it matches. */
  readonly debug: boolean;
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
}

/** One application group (a dimension of the apps charts). */
export interface AppsGroup {
  readonly name: string;
  /** Position in {@link AppsGroups.names}: file order of first definition, `other` last. */
  readonly index: number;
  /**
   * Hidden dimension: the name was written with a leading `-` on some line,
   * or the pattern that first created the group had a `-` flag (Netdata
   * creates the group from that pattern and copies its flag).
   */
  readonly hidden: boolean;
  /** Patterns in file order (may be empty only for `other`). */
  readonly patterns: ReadonlyArray<AppsGroupPattern>;
}

/** What {@link parseAppsGroups} returns. */
export interface ParsedAppsGroups {
  readonly groups: AppsGroups;
  /** Lines that were skipped, with the reason and a fix. */
  readonly errors: ReadonlyArray<AppsGroupsError>;
  /**
   * Lines that were used but probably do not do what the user wants
   * (duplicate pattern ignored, exact pattern too long to ever match).
   */
  readonly warnings: ReadonlyArray<AppsGroupsError>;
}

/** What {@link loadAppsGroups} returns: the parse result plus the file that was read. */
export interface LoadedAppsGroups extends ParsedAppsGroups {
  readonly file: string;
  readonly origin: 'user' | 'stock';
}

/** A group as given to the {@link AppsGroups} constructor (groups may also be built in code). */
export interface AppsGroupDefinition {
  readonly name: string;
  readonly hidden: boolean;
  readonly patterns: ReadonlyArray<AppsGroupPattern>;
}

interface MutableGroup {
  name: string;
  hidden: boolean;
  patterns: AppsGroupPattern[];
}

/**
 * The parsed apps_groups.conf: groups in file order and the ordered pattern
 * list used to match processes. Immutable once built.
 */
export class AppsGroups {
  readonly #groups: ReadonlyArray<AppsGroup>;
  readonly #byName: ReadonlyMap<string, AppsGroup>;
  /** All patterns in file order, with their group's index. */
  readonly #patterns: ReadonlyArray<AppsGroupPattern>;
  readonly #patternGroup: Int32Array;
  readonly #names: ReadonlyArray<string>;

  /**
   * True when at least one pattern is `*name*`: the PID table must then read
   * `/proc/<pid>/cmdline` for new processes and after each name change.
   */
  readonly needsCmdline: boolean;

  /** Index of `other` in {@link names} (always the last one). */
  readonly otherIndex: number;

  /**
   * Usually built by {@link parseAppsGroups}.
   *
   * @param groups groups in file order; an `other` group is added (or moved) last
   * @param patterns every pattern in matching order; each names one of `groups`
   */
  constructor(groups: ReadonlyArray<AppsGroupDefinition>, patterns: ReadonlyArray<AppsGroupPattern>) {
    const ordered = groups.filter((g) => g.name !== OTHER_GROUP);
    const other = groups.find((g) => g.name === OTHER_GROUP) ?? {
      name: OTHER_GROUP,
      hidden: false,
      patterns: [],
    };
    ordered.push(other);
    this.#groups = ordered.map((g, index) =>
      Object.freeze({ name: g.name, index, hidden: g.hidden, patterns: Object.freeze([...g.patterns]) }),
    );
    this.#byName = new Map(this.#groups.map((g) => [g.name, g]));
    this.#names = Object.freeze(this.#groups.map((g) => g.name));
    this.#patterns = Object.freeze([...patterns]);
    this.#patternGroup = Int32Array.from(patterns, (p) => this.#byName.get(p.group)?.index ?? -1);
    this.needsCmdline = patterns.some((p) => p.mode === 'substring');
    this.otherIndex = this.#groups.length - 1;
  }

  /** Group names in file order of first definition, `other` last. */
  names(): ReadonlyArray<string> {
    return this.#names;
  }

  /** The groups, same order as {@link names}. */
  groups(): ReadonlyArray<AppsGroup> {
    return this.#groups;
  }

  /** All patterns in the order they are tried. */
  patterns(): ReadonlyArray<AppsGroupPattern> {
    return this.#patterns;
  }

  /** A group by name, `undefined` if the file does not define it. */
  group(name: string): AppsGroup | undefined {
    return this.#byName.get(name);
  }

  /** Whether a group's dimension is hidden; `false` for unknown names. */
  isHidden(name: string): boolean {
    return this.#byName.get(name)?.hidden ?? false;
  }

  /** Name of the group at `index` of {@link names}. */
  nameAt(index: number): string | undefined {
    return this.#names[index];
  }

  /**
   * Group a process belongs to by its own name, first matching pattern in
   * file order; `undefined` when no pattern matches (the PID table then
   * applies inheritance, and finally `other`).
   *
   * @param comm process name from `/proc/<pid>/stat`
   * @param cmdline full command line with NULs turned to spaces; when absent
   *   the name stands in for it, as Netdata does when cmdline is unreadable
   */
  match(comm: string, cmdline?: string): string | undefined {
    const index = this.matchIndex(comm, cmdline);
    return index < 0 ? undefined : this.#names[index];
  }

  /** Like {@link match} but returns the group index, or -1. */
  matchIndex(comm: string, cmdline?: string): number {
    const i = this.#matchPatternIndex(comm, cmdline);
    return i < 0 ? -1 : this.#patternGroup[i]!;
  }

  /** The first pattern (file order) that matches, for callers that honour its `debug` flag. */
  matchPattern(comm: string, cmdline?: string): AppsGroupPattern | undefined {
    const i = this.#matchPatternIndex(comm, cmdline);
    return i < 0 ? undefined : this.#patterns[i];
  }

  #matchPatternIndex(comm: string, cmdline: string | undefined): number {
    const patterns = this.#patterns;
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i]!;
      let hit: boolean;
      switch (p.mode) {
        case 'exact':
          hit = comm === p.text;
          break;
        case 'prefix':
          hit = comm.startsWith(p.text);
          break;
        case 'suffix':
          hit = comm.endsWith(p.text);
          break;
        case 'substring':
          hit = (cmdline ?? comm).includes(p.text);
          break;
      }
      if (hit) return i;
    }
    return -1;
  }
}

const QUOTES = new Set(["'", '"']);

function isSeparator(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === ':';
}

type TokenizedLine = { words: string[]; unterminatedQuote?: string };

/**
 * Split a line into words. A quote opens only at the start of a word and the
 * same quote character closes it; a `#` at the start of a word (after
 * unquoting, as Netdata checks it) ends the line.
 */
function tokenize(line: string): TokenizedLine {
  const words: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSeparator(line[i]!)) i++;
    if (i >= n) break;
    let word: string;
    const ch = line[i]!;
    if (QUOTES.has(ch)) {
      const close = line.indexOf(ch, i + 1);
      if (close < 0) return { words, unterminatedQuote: ch };
      word = line.slice(i + 1, close);
      i = close + 1;
    } else {
      const start = i;
      while (i < n && !isSeparator(line[i]!)) i++;
      word = line.slice(start, i);
    }
    if (word.startsWith('#')) break;
    // Empty quoted words keep their position: an empty first word is an empty group name.
    words.push(word);
  }
  return { words };
}

interface PatternFlags {
  id: string;
  text: string;
  mode: PatternMode;
  hidden: boolean;
  debug: boolean;
}

function parsePatternWord(word: string): PatternFlags {
  let i = 0;
  let hidden = false;
  let debug = false;
  let suffix = false;
  for (; i < word.length; i++) {
    const c = word[i];
    if (c === '-') hidden = true;
    else if (c === '+') debug = true;
    else if (c === '*') suffix = true;
    else break;
  }
  const id = word.slice(i);
  const prefix = id.endsWith('*');
  const text = prefix ? id.slice(0, -1) : id;
  const mode: PatternMode =
    prefix && suffix ? 'substring' : prefix ? 'prefix' : suffix ? 'suffix' : 'exact';
  return { id, text, mode, hidden, debug };
}

/**
 * Parse the text of an apps_groups.conf.
 *
 * Format (Netdata's): each line is `group: pattern pattern ...`; words are
 * separated by spaces, tabs or `:`; `'...'` and `"..."` quote a word; a word
 * starting with `#` ends the line. A group may appear on several lines (its
 * patterns accumulate); a leading `-` on the group name hides its dimension.
 * Pattern flags: leading `-` hidden, `+` debug, `*` suffix mode; trailing `*`
 * prefix mode; both `*` = substring of the command line; otherwise exact
 * match of the process name. A pattern defined twice keeps its first group.
 * Matching tries patterns in file order; a final `other` group is always
 * present and last.
 *
 * Never throws: bad lines are skipped and returned in `errors` with
 * `file:line` and a hint.
 *
 * Deliberate difference from Netdata: when the first pattern of a line is a
 * duplicate of another group's pattern, Netdata attaches the rest of that
 * line to the other group; here the rest of the line stays in its own group.
 *
 * @param text file contents
 * @param file path used in messages
 */
export function parseAppsGroups(text: string, file: string): ParsedAppsGroups {
  const errors: AppsGroupsError[] = [];
  const warnings: AppsGroupsError[] = [];
  // A line of a million duplicate names gives twenty messages and a count, not a million
  // (the rest are not even made: an error's stack costs more than the line it reports).
  let moreErrors = 0;
  let moreWarnings = 0;
  const fail = (make: () => AppsGroupsError) => void (errors.length < MAX_MESSAGES_PER_FILE ? errors.push(make()) : moreErrors++);
  const warn = (make: () => AppsGroupsError) => void (warnings.length < MAX_MESSAGES_PER_FILE ? warnings.push(make()) : moreWarnings++);
  const groups = new Map<string, MutableGroup>();
  const patterns: AppsGroupPattern[] = [];
  const seen = new Map<string, AppsGroupPattern>();

  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const lineNo = ln + 1;
    const raw = lines[ln]!;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const { words, unterminatedQuote } = tokenize(line);
    if (unterminatedQuote !== undefined) {
      fail(() =>
        new AppsGroupsError(
          `unterminated ${unterminatedQuote} quote`,
          file,
          lineNo,
          `close the quote with ${unterminatedQuote} on the same line; the whole line was ignored`,
        ),
      );
      continue;
    }
    if (words.length === 0) continue;

    const written = words[0]!;
    let nameStart = 0;
    while (written[nameStart] === '-') nameStart++;
    const name = written.slice(nameStart);
    const nameHidden = nameStart > 0;
    if (name.length === 0) {
      fail(() =>
        new AppsGroupsError(
          `group name '${written}' is empty`,
          file,
          lineNo,
          'start the line with a group name, e.g. "web: nginx httpd"',
        ),
      );
      continue;
    }
    if (/\s/.test(name)) {
      fail(() =>
        new AppsGroupsError(
          `group name '${name}' contains spaces`,
          file,
          lineNo,
          `group names become dimension ids: use '-' instead of spaces, e.g. '${name.replace(/\s+/g, '-')}'`,
        ),
      );
      continue;
    }
    if (words.every((w, i) => i === 0 || w.length === 0)) {
      fail(() =>
        new AppsGroupsError(
          `group '${name}' has no patterns`,
          file,
          lineNo,
          `list process names after the group, e.g. "${name}: process1 process2*"`,
        ),
      );
      continue;
    }

    let group = groups.get(name);
    const created = group === undefined;
    if (group === undefined) {
      group = { name, hidden: nameHidden, patterns: [] };
    } else if (nameHidden) {
      group.hidden = true;
    }

    for (let w = 1; w < words.length; w++) {
      const word = words[w]!;
      // Netdata skips empty words (an empty quoted string).
      if (word.length === 0) continue;
      const flags = parsePatternWord(word);
      if (flags.text.length === 0) {
        fail(() =>
          new AppsGroupsError(
            `pattern '${word}' has no name after its flags`,
            file,
            lineNo,
            "write a process name after '-', '+' or '*' (a pattern cannot match everything)",
          ),
        );
        continue;
      }
      const first = seen.get(flags.id);
      if (first !== undefined) {
        warn(() =>
          new AppsGroupsError(
            `pattern '${word}' is already defined at ${first.file}:${first.line} for group '${first.group}'; the first definition is used`,
            file,
            lineNo,
            'remove one of the two definitions',
          ),
        );
        continue;
      }
      if (flags.mode === 'exact' && flags.text.length > COMM_MAX_LENGTH) {
        warn(() =>
          new AppsGroupsError(
            `exact pattern '${word}' is longer than ${COMM_MAX_LENGTH} characters and can never match a process name`,
            file,
            lineNo,
            `the kernel truncates process names to ${COMM_MAX_LENGTH} characters: write '${flags.text.slice(0, COMM_MAX_LENGTH)}' or '*${flags.text}*'`,
          ),
        );
      }
      const pattern: AppsGroupPattern = Object.freeze({
        id: flags.id,
        text: flags.text,
        mode: flags.mode,
        group: name,
        hidden: flags.hidden,
        debug: flags.debug,
        file,
        line: lineNo,
      });
      // Netdata creates the group from its first pattern and copies that pattern's hidden flag.
      if (group.patterns.length === 0 && flags.hidden) group.hidden = true;
      group.patterns.push(pattern);
      patterns.push(pattern);
      seen.set(flags.id, pattern);
    }
    // A group only exists once it has a pattern, so a line of rejected patterns defines nothing.
    if (created && group.patterns.length > 0) groups.set(name, group);
  }

  const summary = (kind: string, n: number) => new AppsGroupsError(`${n} more ${kind} not shown`, file, 0, 'fix the ones shown first');
  if (moreErrors > 0) errors.push(summary('errors', moreErrors));
  if (moreWarnings > 0) warnings.push(summary('warnings', moreWarnings));
  return { groups: new AppsGroups([...groups.values()], patterns), errors, warnings };
}

/**
 * Read and parse apps_groups.conf: `<user>/apps_groups.conf` when it can be
 * read, else `<stock>/apps_groups.conf` (Netdata's lookup order).
 *
 * @param dirs the user config directory (e.g. `/etc/netdata`) and the stock
 *   one (e.g. `/usr/lib/netdata/conf.d`); either may be absent
 * @throws AppsGroupsNotFoundError (`ENOAPPSGROUPS`) when neither file can be
 *   read; `tried` lists both paths and `cause` holds the last read error
 */
export function loadAppsGroups(dirs: { user?: string; stock?: string }): LoadedAppsGroups {
  const tried: string[] = [];
  const problems: ConfigFileError[] = [];
  let lastError: unknown;
  for (const origin of ['user', 'stock'] as const) {
    const dir = dirs[origin];
    if (dir === undefined) continue;
    const file = join(dir, APPS_GROUPS_FILE);
    tried.push(file);
    let text: string;
    try {
      text = readConfigFileText(file);
    } catch (err) {
      // A missing file falls back to the next directory; anything else (a directory, a FIFO, /dev/zero) is said.
      if (err instanceof ConfigFileError && !err.absent) problems.push(err);
      lastError = err;
      continue;
    }
    const parsed = parseAppsGroups(text, file);
    const skipped = problems.map(
      (p) => new AppsGroupsError(p.message.slice(p.file.length + 2), p.file, 0, `fix it or remove it; ${file} is used instead`),
    );
    return { ...parsed, warnings: [...skipped, ...parsed.warnings], file, origin };
  }
  throw new AppsGroupsNotFoundError(tried, { cause: lastError });
}

/** An AppsGroups with no patterns: every process ends in `other`. */
export function emptyAppsGroups(): AppsGroups {
  return new AppsGroups([], []);
}
