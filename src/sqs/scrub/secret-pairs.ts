/**
 * Key/value pairs written as text, where a key says its value is secret: JSON (`"password":"x"`,
 * also JSON escaped inside another JSON string, `\"token\":\"x\"`) and the `util.inspect` form
 * (`password: 'x'`). Field-based redaction never sees these: they arrive as one string, such as
 * a message body echoed in an error or a pattern that is really a JSON object.
 */

// A JSON key, plain or escaped once (the backreference makes both quotes match the first).
const JSON_KEY = /(\\?)"([\w$.-]{1,64})\1"\s*:\s*/g;
const INSPECT_PAIR = /\b([\w$]{1,64})(\s*:\s*)'(?:[^'\\]|\\.)*'/g;

/**
 * `text` with the value of every sensitive key replaced by `censor`, whatever the value's
 * type: a string, a number, or a whole object or array (so `"credentials":[{...}]` goes as a
 * unit). A value cut off by truncation is censored to the end of the text.
 */
export function redactSecretPairs(text: string, isSensitiveKey: (key: string) => boolean, censor: string): string {
  if (!text.includes(':')) return text;
  return redactInspectPairs(redactJsonPairs(text, isSensitiveKey, censor), isSensitiveKey, censor);
}

function redactJsonPairs(text: string, isSensitiveKey: (key: string) => boolean, censor: string): string {
  let out = '';
  let copiedUpTo = 0;
  JSON_KEY.lastIndex = 0;
  for (let match = JSON_KEY.exec(text); match; match = JSON_KEY.exec(text)) {
    if (!isSensitiveKey(match[2]!)) continue;
    const escaped = match[1] === '\\';
    const start = match.index + match[0].length;
    const end = valueEnd(text, start, escaped);
    const quote = escaped ? '\\"' : '"';
    out += `${text.slice(copiedUpTo, start)}${quote}${censor}${quote}`;
    copiedUpTo = end;
    JSON_KEY.lastIndex = Math.max(end, start + 1);
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

function redactInspectPairs(text: string, isSensitiveKey: (key: string) => boolean, censor: string): string {
  return text.replace(INSPECT_PAIR, (pair, key: string, colon: string) =>
    isSensitiveKey(key) ? `${key}${colon}'${censor}'` : pair,
  );
}

/** Where the JSON value starting at `start` ends: a string, a balanced object/array, or a scalar. */
function valueEnd(text: string, start: number, escaped: boolean): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' && isQuote(text, i, escaped)) {
      inString = !inString;
      if (!inString && depth === 0) return i + 1;
    } else if (inString) {
      continue;
    } else if (c === '{' || c === '[') {
      depth += 1;
    } else if (c === '}' || c === ']') {
      if (depth === 0) return i;
      depth -= 1;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && (c === ',' || /\s/.test(c))) {
      return i;
    }
  }
  return text.length;
}

/**
 * Whether the `"` at `i` delimits a string at this level of escaping. Plain JSON: preceded by
 * an even run of backslashes. JSON escaped once: the delimiter is `\"` (a run of 1, 5, ...),
 * while `\\\"` (a run of 3) is a quote inside the string.
 */
function isQuote(text: string, i: number, escaped: boolean): boolean {
  let run = 0;
  while (i - run - 1 >= 0 && text[i - run - 1] === '\\') run += 1;
  return escaped ? run % 4 === 1 : run % 2 === 0;
}
