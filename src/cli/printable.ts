// Everything a dead-letter message carries (body, attributes, the reason another process wrote)
// comes from whoever could send to the queue. Printed raw, an escape sequence in it would drive
// the operator's terminal (rewrite earlier lines, set the title, hide text), and a newline would
// forge a line of the report. So every value from a message passes through here before it
// reaches a human-readable line; `--json` output is escaped by JSON.stringify instead.

// C0 and C1 controls, DEL, and the Unicode bidirectional overrides and isolates (which reorder
// what the terminal shows) and the line/paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character written as a visible escape (`\x1b`, `\n`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
