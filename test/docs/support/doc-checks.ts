// The drift checks, as pure functions over a set of pages, so a spec can run them on planted
// errors (fixtures) as well as on the real docs. Each returns one line per problem, naming the
// page and line; an empty list means the docs hold.
import { dirname, join, normalize } from 'node:path';
import { headings, links, proseLines } from './markdown.js';

/** Markdown pages by path relative to the repository root (forward slashes). */
export type Pages = ReadonlyMap<string, string>;

/** What the checks compare the pages with. */
export interface Facts {
  /** True when a repository-relative path exists (a file or a folder). */
  exists: (path: string) => boolean;
  /** Environment variable names that exist: the schema's and the ones the repository reads. */
  variables: ReadonlySet<string>;
  /** The chart's values.yaml, parsed. */
  chartValues: Record<string, unknown>;
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/** Every relative link resolves to a file, and every anchor to a heading of its page. */
export function brokenLinks(pages: Pages, facts: Facts): string[] {
  const problems: string[] = [];
  for (const [page, text] of pages) {
    for (const { line, target } of links(text)) {
      if (EXTERNAL.test(target)) continue;
      const [path, anchor] = splitTarget(target);
      const resolved = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
      if (path !== '' && !pages.has(resolved) && !facts.exists(resolved)) {
        problems.push(`${page}:${line}: link to ${target}: ${resolved} does not exist`);
      } else if (anchor !== undefined && resolved.endsWith('.md')) {
        const targetText = pages.get(resolved);
        const anchors = new Set(headings(targetText ?? '').map((h) => h.anchor));
        if (targetText === undefined || !anchors.has(anchor.toLowerCase())) {
          problems.push(`${page}:${line}: link to ${target}: no heading #${anchor} in ${resolved}`);
        }
      }
    }
  }
  return problems;
}

function splitTarget(target: string): [string, string | undefined] {
  const hash = target.indexOf('#');
  return hash < 0 ? [target, undefined] : [target.slice(0, hash), target.slice(hash + 1)];
}

/**
 * No section appears twice in a page: the same heading under the same parent headings (a
 * repeated section is a stale copy). "Added" under two releases of a changelog is fine.
 */
export function repeatedHeadings(pages: Pages): string[] {
  const problems: string[] = [];
  for (const [page, text] of pages) {
    const first = new Map<string, number>();
    const path: string[] = [];
    for (const heading of headings(text)) {
      path.length = heading.level - 1;
      path[heading.level - 1] = heading.text.trim().toLowerCase();
      const key = path.join(' > ');
      const earlier = first.get(key);
      if (earlier === undefined) first.set(key, heading.line);
      else problems.push(`${page}:${heading.line}: heading "${heading.text}" repeats line ${earlier}`);
    }
  }
  return problems;
}

/** Names that look like the service's variables: its prefixes, in upper snake case. */
export const OUR_VARIABLE = /\b(?:APP|HTTP|LOG|OTEL|AWS|SQS|KEYCLOAK)_[A-Z0-9]+(?:_[A-Z0-9]+)*\b/g;

/** Every variable named in the pages (code blocks included) exists. */
export function unknownVariables(pages: Pages, facts: Facts): string[] {
  const problems: string[] = [];
  for (const [page, text] of pages) {
    text.split('\n').forEach((line, index) => {
      for (const [name] of line.matchAll(OUR_VARIABLE)) {
        if (!facts.variables.has(name)) problems.push(`${page}:${index + 1}: ${name} is not a variable of the service`);
      }
    });
  }
  return problems;
}

/** The page where every dotted path is a chart value; elsewhere a line has to say it is one. */
export const CHART_README = 'charts/nest-sqs-worker/README.md';
const MENTIONS_CHART = /\b(?:chart|helm|values?)\b|--set/i;

/**
 * Every chart value named in the pages exists in values.yaml: an inline code span or a
 * `--set` key written as a dotted path whose first key is a top-level value, on the chart's
 * README or on a line that speaks of the chart, Helm or values (so `sqs.paused` in a health
 * body is not taken for one). A path may go on below an empty map (annotations), never below
 * a scalar.
 */
export function unknownChartValues(pages: Pages, facts: Facts): string[] {
  const problems: string[] = [];
  for (const [page, text] of pages) {
    proseLines(text).forEach((line, index) => {
      if (page !== CHART_README && !MENTIONS_CHART.test(line)) return;
      for (const path of chartValuePaths(line, facts.chartValues)) {
        if (!valueExists(facts.chartValues, path.split('.'))) {
          problems.push(`${page}:${index + 1}: chart value ${path} is not in values.yaml`);
        }
      }
    });
  }
  return problems;
}

function chartValuePaths(line: string, values: Record<string, unknown>): string[] {
  const candidates = [
    ...[...line.matchAll(/`([a-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+)(?:=[^`]*)?`/g)].map((m) => m[1]),
    ...[...line.matchAll(/--set(?:-string)?[ =]([a-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+)=/g)].map((m) => m[1]),
  ];
  return candidates.filter((path) => Object.hasOwn(values, path.split('.')[0]));
}

function valueExists(node: unknown, keys: string[]): boolean {
  if (keys.length === 0) return true;
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  const map = node as Record<string, unknown>;
  if (Object.keys(map).length === 0) return true;
  return Object.hasOwn(map, keys[0]) && valueExists(map[keys[0]], keys.slice(1));
}
