// The Node flags the service runs with (today the young generation's cap, see the Dockerfile)
// are set on the command line of each way it starts: the image's CMD and `npm start`. This keeps
// the two in step, and keeps them out of NODE_OPTIONS, which a deployment's env replaces whole.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = process.cwd();
const ENTRY = 'dist/main.js';

/** The V8/Node flags before the entry script, without the dev-only source maps flag. */
function flagsBefore(args: string[]): string[] {
  const entry = args.indexOf(ENTRY);
  assert.ok(entry >= 0, `${ENTRY} in ${args.join(' ')}`);
  return args.slice(0, entry).filter((a) => a !== '--enable-source-maps');
}

describe('Node flags of the service', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

  it('the image and npm start run dist/main.js with the same flags, the young generation capped', () => {
    assert.ok(cmd, 'the Dockerfile has an exec-form CMD');
    const image = flagsBefore(JSON.parse(cmd) as string[]);
    const [node, ...start] = pkg.scripts.start!.split(/\s+/);
    assert.equal(node, 'node');
    assert.deepEqual(flagsBefore(start), image);
    assert.ok(image.includes('--max-semi-space-size=8'), image.join(' '));
  });

  it('the image sets no NODE_OPTIONS (a deployment setting its own would drop the flags)', () => {
    assert.doesNotMatch(dockerfile, /^ENV\s+NODE_OPTIONS/m);
  });
});
