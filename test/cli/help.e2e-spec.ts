// Command-line manners (issue 20, point 4) of every command the project ships: `--help` prints
// the usage on stdout and exits 0; an unknown option exits 2 with one line on stderr, then the
// usage. The commands run as built (.build), with no server: none is reached on these paths.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run } from './dlq-harness.js';

const COMMANDS = [
  { name: 'dlq', script: '.build/src/cli/dlq.js', usage: /^Usage: npm run dlq -- <command>/ },
  { name: 'send', script: '.build/src/dev/send.js', usage: /^Usage: npm run send -- <pattern>/ },
  { name: 'bench', script: '.build/bench/run.js', usage: /^Usage: npm run bench -- \[options\]/ },
];
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

describe('command-line manners', () => {
  for (const { name, script, usage } of COMMANDS) {
    const command = (...args: string[]) => run(process.execPath, [join(process.cwd(), script), ...args], env);

    it(`${name} --help prints the usage on stdout and exits 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const done = await command(flag);
        assert.equal(done.code, 0, `${flag}: ${done.stderr}`);
        assert.match(done.stdout, usage);
        assert.equal(done.stderr, '');
      }
    });

    it(`${name} with an unknown option exits 2 with one line on stderr and the usage`, async () => {
      const done = await command('--no-such-option');
      assert.equal(done.code, 2, done.stderr);
      assert.equal(done.stdout, '');
      const [first, blank, ...rest] = done.stderr.split('\n');
      assert.match(first!, new RegExp(`^${name}: .*--no-such-option`));
      assert.equal(blank, '');
      assert.match(rest.join('\n'), usage);
    });
  }
});
