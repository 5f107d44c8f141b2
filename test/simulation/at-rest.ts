// "Internal maps empty at rest": once the queue is empty and the process idle, every Map and
// Set inside the engine should be empty but the few that hold configuration or live loops.
// Walking the object graph (rather than naming fields) keeps the check true when the engine's
// internals are renamed or gain a new map.

/** Paths of collections that may hold entries at rest, and why. */
const ALLOWED = [
  // Gate ties and their queues: configuration, one entry per gate and queue.
  /\.pauses\.ties$/,
  /\.pauses\.ties\[\d+\]\.queues$/,
  /\.queues$/,
  // The receive loops running (one long poll per queue).
  /\.loops$/,
  // Listeners on a gate: one per tie.
  /\.listeners$/,
  // A slow-start ramp after a resume lasts until enough messages succeed, however long the
  // queue then stays idle: one entry per queue at most. Its waiters must be empty (below).
  /\.slowStart\.ramps$/,
];

const SKIP = new Set(['parts', 'client', 'options', 'dispatcher', 'routing', 'payloads', 'logger', 'status', 'emit']);

/** "path: size" for each non-empty collection in `root` not allowed at rest. */
export function inspectAtRest(root: object): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const walk = (value: unknown, path: string, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > 5) return;
    seen.add(value);
    if (value instanceof Map || value instanceof Set) {
      if (value.size > 0 && !ALLOWED.some((re) => re.test(path))) found.push(`${path}: ${value.size}`);
      [...value.values()].forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
      return;
    }
    if (Array.isArray(value)) {
      if (value.length > 0 && /\.(items|roomWaiters|waiters)$/.test(path)) found.push(`${path}: ${value.length}`);
      return;
    }
    if (value instanceof AbortSignal || value instanceof AbortController || value instanceof Promise) return;
    for (const [key, child] of Object.entries(value)) if (!SKIP.has(key)) walk(child, `${path}.${key}`, depth + 1);
  };
  walk(root, 'engine', 0);
  return found;
}
