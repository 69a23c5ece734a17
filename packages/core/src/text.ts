/**
 * Echoing what a user wrote into a log line without letting it take the
 * line over: control bytes escaped (a NUL, ESC or CR from a file must not
 * reach a terminal or Netdata's error.log raw), long values cut.
 */

/** Longest echo of a user value in a message. */
export const MAX_ECHO_LENGTH = 80;

/** `text` with control characters as `\xNN` and at most `max` characters, the cut said. */
export function printable(text: string, max = MAX_ECHO_LENGTH): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  // eslint-disable-next-line no-control-regex
  const escaped = cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > max ? `${escaped}…(${text.length - max} more characters)` : escaped;
}

/** How many messages about one file are kept before the rest are only counted. */
export const MAX_MESSAGES_PER_FILE = 20;

/**
 * At most `max` of the messages about each file (`fileOf` says which), in
 * order, then one summary per file that had more, made by `summary`.
 */
export function limitPerFile<T>(
  messages: ReadonlyArray<T>,
  fileOf: (message: T) => string | undefined,
  summary: (file: string, omitted: number) => T,
  max = MAX_MESSAGES_PER_FILE,
): T[] {
  const seen = new Map<string, number>();
  const kept: T[] = [];
  for (const message of messages) {
    const file = fileOf(message) ?? '';
    const n = (seen.get(file) ?? 0) + 1;
    seen.set(file, n);
    if (n <= max) kept.push(message);
  }
  for (const [file, n] of seen) if (n > max) kept.push(summary(file, n - max));
  return kept;
}
