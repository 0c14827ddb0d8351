/**
 * The one place that decides how untrusted text (keys, user agents, session names, typed input)
 * may reach a person: a terminal, a spreadsheet, Slack or the console. Every final writer uses it
 * (the CLI's stdout and stderr, the CSV field writer in csv.ts, the Slack escapers and plain_text
 * builders, the console), so a format's wording can change without reopening these holes.
 */

/**
 * Characters that act instead of showing, or show as nothing: C0 and C1 controls (ESC starts
 * terminal sequences, CSI and OSC 8 hyperlinks), bidi embeddings, overrides, isolates and marks
 * (text shown in another order), zero-width and other invisible format characters, line and
 * paragraph separators, the byte order mark, fillers, and tag characters (invisible ASCII).
 * With them, `reports/q3\u200b-forecast.parquet` looks exactly like the real key. (U+034F, the
 * combining grapheme joiner, stands outside the class: a class must not hold combining marks.)
 */
const UNSAFE_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\u{e0000}-\u{e007f}]|\u034f/gu;

/** The same, sparing line breaks (`\n`, and `\r\n` as one) in text that has lines. */
const UNSAFE_EXCEPT_LINE_BREAKS = new RegExp(`\\r\\n|\\n|${UNSAFE_CHARACTERS.source}`, 'gu');

function codePointLabel(char: string): string {
  return `[U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`;
}

/**
 * The visible form of one unsafe character: a C0 control as its Unicode control picture (`␛`,
 * `␊`), DEL as `␡`, anything else as its code point (`[U+200B]`, `[U+202E]`, `[U+E0041]`).
 */
function visibleForm(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return codePointLabel(char);
}

/** Every unsafe character shown visibly (a line break too): for one value, a table cell, a label. */
export function showControlCharacters(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, visibleForm);
}

/** Unsafe characters shown visibly, line breaks kept: for text made of lines (a report, mrkdwn). */
export function showInvisibleKeepingLines(text: string): string {
  return text.replace(UNSAFE_EXCEPT_LINE_BREAKS, (match) => (match === '\n' || match === '\r\n' ? match : visibleForm(match)));
}

/**
 * JSON for a terminal or a Slack code block: every unsafe character inside a string becomes a
 * `\u` escape, so the document parses to the same values. JSON.stringify escapes only C0 (ESC is
 * already `\u001b`); DEL, C1, bidi and invisible characters pass raw. Outside strings JSON has
 * only ASCII punctuation and the line breaks of indentation, which are kept.
 */
export function escapeUnsafeJson(json: string): string {
  return json.replace(UNSAFE_EXCEPT_LINE_BREAKS, (match) => {
    if (match === '\n' || match === '\r\n') return match;
    let escaped = '';
    // Astral characters (tag characters) as their UTF-16 surrogate pair, as JSON requires.
    for (let i = 0; i < match.length; i++) escaped += `\\u${match.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}
