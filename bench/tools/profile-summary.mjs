// Summarizes a V8 .cpuprofile (from `npm run bench -- --profile`, i.e. node --cpu-prof):
// self time by area (our transport, NestJS, AWS SDK/Smithy, Node internals, GC, idle) and
// the top functions by self and by inclusive time.
//   node bench/tools/profile-summary.mjs bench/results/profiles/<file>.cpuprofile [top=25] [--window]
// --window counts only the samples from the first to the last one inside the bench handler
// (`handle` in bench/lib/harness): the measured window, without start-up (module loading and
// compiling are a tenth of a W1 profile) and shutdown.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const windowOnly = argv.includes('--window');
const [file, topArg] = argv.filter((a) => a !== '--window');
if (!file) {
  process.stderr.write('usage: node bench/tools/profile-summary.mjs <file.cpuprofile> [top] [--window]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Sample indexes counted: all, or the bench handler's window. */
function sampleRange() {
  if (!windowOnly) return [0, profile.samples.length - 1];
  const inHandler = new Map();
  const isHandler = (id) => {
    if (!inHandler.has(id)) {
      const cf = nodes.get(id).callFrame;
      const here = cf.functionName === 'handle' && (cf.url ?? '').includes('bench/lib/harness');
      inHandler.set(id, here || (parent.has(id) && isHandler(parent.get(id))));
    }
    return inHandler.get(id);
  };
  const hits = profile.samples.flatMap((id, i) => (isHandler(id) ? [i] : []));
  if (hits.length === 0) throw new Error(`${file}: no sample inside the bench handler`);
  return [hits[0], hits[hits.length - 1]];
}

// Self time per node from samples and time deltas (µs).
const self = new Map();
const [first, last] = sampleRange();
for (let i = first; i <= last; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(cf) {
  const url = cf.url ?? '';
  const name = cf.functionName;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'program (native, unattributed)';
  if (url.includes('/src/sqs/')) return 'src/sqs (our transport)';
  if (url.includes('/bench/')) return 'bench harness';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) {
    const p = pkg[1];
    if (p.startsWith('@nestjs/')) return 'NestJS';
    if (p.startsWith('@aws-sdk/') || p.startsWith('@smithy/') || p.startsWith('@aws-crypto/'))
      return 'AWS SDK / Smithy';
    if (p === 'rxjs') return 'rxjs';
    return `node_modules/${p}`;
  }
  if (url.startsWith('node:') || url === '') return 'Node internals (node:*, native)';
  return url;
}

const label = (cf) =>
  `${cf.functionName || '(anonymous)'} ${(cf.url ?? '').replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${cf.lineNumber + 1}`;

const byArea = new Map();
const byFn = new Map();
for (const [id, t] of self) {
  const cf = nodes.get(id).callFrame;
  byArea.set(area(cf), (byArea.get(area(cf)) ?? 0) + t);
  byFn.set(label(cf), (byFn.get(label(cf)) ?? 0) + t);
}
// Inclusive time per function label (counted once per stack).
const inclusive = new Map();
for (const [id, t] of self) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(nodes.get(cur).callFrame);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + t);
  }
}

const busy = total - (byArea.get('idle') ?? 0);
const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const share = (us) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
const print = (title, map, n) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n))
    process.stdout.write(`${ms(v)} ms ${share(v)}  ${k}\n`);
};
process.stdout.write(
  `${file}\nsampled ${(total / 1e6).toFixed(2)} s, busy (not idle) ${(busy / 1e6).toFixed(2)} s; shares are of busy time\n`,
);
print('Self time by area', new Map([...byArea].filter(([k]) => k !== 'idle')), 20);
print(`Top ${top} functions by self time`, new Map([...byFn].filter(([k]) => !k.startsWith('(idle)'))), top);
print(
  `Top ${top} by inclusive time (src/sqs and bench only)`,
  new Map([...inclusive].filter(([k]) => /(src|bench)\//.test(k))),
  top,
);
