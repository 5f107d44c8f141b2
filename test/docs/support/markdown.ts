// The little Markdown the drift checks need: headings with GitHub's anchors, and links, both
// outside fenced code blocks (a heading-like line in a shell example is not a heading).

/** A Markdown heading and the anchor GitHub gives it. */
export interface Heading {
  line: number;
  level: number;
  text: string;
  anchor: string;
}

/** A link `[text](target)` or `[label]: target` found in a page. */
export interface Link {
  line: number;
  target: string;
}

/** The lines of `text` with fenced code blocks blanked, so line numbers still match. */
export function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker && (fence === undefined || fence === marker)) {
      fence = fence === undefined ? marker : undefined;
      return '';
    }
    return fence === undefined ? line : '';
  });
}

/** GitHub's anchor for a heading's text, before the -1, -2 suffixes of repeats. */
export function slug(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every ATX heading of a page, with anchors numbered as GitHub numbers repeats. */
export function headings(text: string): Heading[] {
  const seen = new Map<string, number>();
  const found: Heading[] = [];
  proseLines(text).forEach((line, index) => {
    const match = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (!match) return;
    const base = slug(match[2]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    const anchor = count === 0 ? base : `${base}-${count}`;
    found.push({ line: index + 1, level: match[1].length, text: match[2], anchor });
  });
  return found;
}

/** Inline links, images and reference definitions, outside code (fenced and inline). */
export function links(text: string): Link[] {
  const found: Link[] = [];
  proseLines(text).forEach((raw, index) => {
    const line = raw.replace(/`[^`]*`/g, '');
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ line: index + 1, target: match[1] });
    }
    const definition = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/.exec(line);
    if (definition) found.push({ line: index + 1, target: definition[1] });
  });
  return found;
}
