/**
 * Turning arbitrary text into one plugins.d word that the 1.37 agent's
 * tokeniser reads back as (nearly) the same text.
 *
 * The agent's tokeniser, as the reference describes it: separators are
 * whitespace and `=`; a word that starts with `'` or `"` runs to the same
 * quote; a backslash makes the scanner skip the next character but stays in
 * the word. There is no way to write a quote of the enclosing kind inside a
 * quoted word without leaving a visible backslash behind, so we pick the
 * other quote character instead, and only when the text has both kinds do we
 * replace the single quote with a typographic apostrophe.
 */

/** What rendering a piece of text changed, so callers can report it. */
export interface RenderedWord {
  /** The word as it goes on the line, quotes included when needed. */
  readonly word: string;
  /** The text the agent will see (the word without its quotes). */
  readonly text: string;
  /** True when `text` differs from the input (characters replaced, truncated). */
  readonly altered: boolean;
}

// C isspace() plus '=', which the agent also treats as a separator; the
// backslash is here because in a bare word it would glue the next word on.
const NEEDS_QUOTES = /[\s='"\\]/u;
// fgets() splits at '\n' and C strings end at NUL; the other control
// characters would survive but make logs and dashboards unreadable.
const CONTROL = /[\u0000-\u001f\u007f]/gu;
const TYPOGRAPHIC_APOSTROPHE = '\u2019';

/**
 * Render text as a quoted word, always quoted (CHART text fields are quoted
 * even when empty, as ebpf.plugin does).
 *
 * @param maxBytes - UTF-8 byte budget for the text itself (quotes excluded).
 */
export function quotedWord(input: string, maxBytes: number): RenderedWord {
  let text = truncateUtf8(input.replace(CONTROL, ' '), maxBytes);
  let quote = "'";
  if (text.includes("'")) {
    if (text.includes('"')) text = text.replaceAll("'", TYPOGRAPHIC_APOSTROPHE);
    else quote = '"';
  }
  text = withoutDanglingBackslash(text);
  return { word: `${quote}${text}${quote}`, text, altered: text !== input };
}

/**
 * Render an identifier: bare when the agent would read it back unchanged
 * (how ebpf.plugin writes ids), quoted otherwise.
 */
export function idWord(input: string, maxBytes: number): RenderedWord {
  const text = input.replace(CONTROL, ' ');
  if (text.length > 0 && !NEEDS_QUOTES.test(text) && utf8Length(text) <= maxBytes) {
    return { word: text, text, altered: text !== input };
  }
  return quotedWord(input, maxBytes);
}

/** Byte length of a string once encoded as UTF-8. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Cut text to at most `maxBytes` UTF-8 bytes without splitting a code point. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = utf8Length(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

/**
 * The agent pairs each backslash with the character after it, so a text
 * ending in an odd run of backslashes would swallow the closing quote and
 * the rest of the line. Dropping one backslash is the smallest change that
 * keeps the line parseable.
 */
function withoutDanglingBackslash(text: string): string {
  let run = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i--) run++;
  return run % 2 === 1 ? text.slice(0, -1) : text;
}
