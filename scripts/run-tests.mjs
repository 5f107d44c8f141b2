#!/usr/bin/env node
// `npm test`: compiles, provisions the real servers the suites need (cached outside the repo),
// runs every suite with Node's test runner and prints one closing line with the totals.
//
// A suite whose server cannot be had is skipped loudly on a laptop and fails the run under CI.
// A suite that runs no test, or skips one under CI, fails the run too: a green run has to mean
// that every required suite really executed.
//
// Usage: npm test [-- suite-name ...]   (no names: every suite)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IS_CI } from './lib/cache.mjs';
import { SUITES } from './test-suites.mjs';

const RESULTS_DIR = '.build/test-results';

function compile() {
  console.log('[test] compiling (tsc -p tsconfig.json)');
  // A clean output: a spec deleted from the sources must not keep running from an old build.
  rmSync('.build', { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('TypeScript compilation failed');
}

async function startServers(names) {
  const env = {};
  const stops = [];
  const missing = [];
  for (const name of names) {
    const server = await import(`./servers/${name}.mjs`);
    try {
      const started = await server.start();
      Object.assign(env, started.env);
      stops.push(started.stop);
    } catch (err) {
      missing.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return {
    env,
    missing,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}

function runNodeTest(suite, env) {
  const tapFile = join(RESULTS_DIR, `${suite.name}.tap`);
  const args = [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${suite.concurrency ?? 1}`,
    `--test-timeout=${suite.timeoutMs ?? 120_000}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...suite.files,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, ...env, ...suite.env } });
    child.on('exit', (code) => resolve({ code: code ?? 1, counts: readTapCounts(tapFile) }));
  });
}

function readTapCounts(file) {
  const counts = { tests: 0, pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return counts;
  }
  for (const key of Object.keys(counts)) {
    const match = text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'));
    if (match) counts[key] = Number(match[1]);
  }
  return counts;
}

async function main() {
  const wanted = process.argv.slice(2);
  const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES;
  if (wanted.length && suites.length !== wanted.length) {
    throw new Error(`unknown suite; known: ${SUITES.map((s) => s.name).join(', ')}`);
  }
  compile();
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  mkdirSync(RESULTS_DIR, { recursive: true });

  const totals = { pass: 0, fail: 0, skipped: 0 };
  const problems = [];
  for (const suite of suites) {
    console.log(`\n[test] ===== suite ${suite.name}: ${suite.description}`);
    const servers = await startServers(suite.servers ?? []);
    if (servers.missing.length) {
      const why = servers.missing.join('; ');
      await servers.stop();
      if (IS_CI) {
        problems.push(`suite ${suite.name} could not start its servers under CI: ${why}`);
      } else {
        console.warn(`[test] !!! SKIPPING suite ${suite.name}: ${why}`);
      }
      continue;
    }
    let result;
    try {
      result = await runNodeTest(suite, servers.env);
    } finally {
      await servers.stop();
    }
    const { counts } = result;
    totals.pass += counts.pass;
    totals.fail += counts.fail + counts.cancelled;
    totals.skipped += counts.skipped + counts.todo;
    console.log(
      `[test] suite ${suite.name}: ${counts.pass} passed, ${counts.fail + counts.cancelled} failed, ${counts.skipped} skipped`,
    );
    if (result.code !== 0) problems.push(`suite ${suite.name} exited with code ${result.code}`);
    if (counts.tests === 0) problems.push(`suite ${suite.name} ran no test`);
    if (IS_CI && counts.skipped + counts.todo > 0)
      problems.push(`suite ${suite.name} skipped ${counts.skipped + counts.todo} test(s) under CI`);
  }

  console.log('');
  for (const problem of problems) console.error(`[test] FAILED: ${problem}`);
  console.log(`tests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
  process.exitCode = problems.length || totals.fail ? 1 : 0;
}

main().catch((err) => {
  console.error(`[test] ${err instanceof Error ? err.stack : err}`);
  process.exitCode = 1;
});
