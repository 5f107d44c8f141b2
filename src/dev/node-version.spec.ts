// The Node version gate (scripts/check-node.cjs) and the installer (scripts/lib/ensure-node.sh).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHECK = `${ROOT}scripts/check-node.cjs`;
const { nodeVersionProblem } = createRequire(import.meta.url)(CHECK) as {
  nodeVersionProblem: (v: string) => string | null;
};

/** A Node other than 24 on this machine, if there is one (CI images often ship one). */
function otherNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    const major = spawnSync(candidate, ['-p', 'process.versions.node.split(".")[0]'], {
      encoding: 'utf8',
    }).stdout.trim();
    if (major && major !== '24') return candidate;
  }
  return undefined;
}

describe('Node version gate', () => {
  it('says in one line that Node 24 is needed, which Node this is, and how to get 24', () => {
    const message = nodeVersionProblem('20.19.0')!;
    assert.equal(message.split('\n').length, 1);
    assert.match(
      message,
      /^nest-sqs-worker needs Node 24 \(this is Node 20\.19\.0\): run `source scripts\/lib\/ensure-node\.sh`/,
    );
    assert.match(message, /`nvm install` \(reads \.nvmrc\)/);
    assert.equal(nodeVersionProblem('24.21.0'), null);
    assert.notEqual(nodeVersionProblem('25.0.0'), null);
  });

  it('runs before npm ci, npm run dev, npm start and npm test', () => {
    const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> })
      .scripts;
    for (const hook of ['preinstall', 'predev', 'prestart', 'pretest'])
      assert.match(scripts[hook] ?? '', /scripts\/check-node\.cjs/, hook);
    assert.equal(readFileSync(`${ROOT}.nvmrc`, 'utf8').trim(), '24');
  });

  it('stops an older Node with that line and exit code 1', (t) => {
    const node = otherNode();
    if (!node) return t.skip('no Node other than 24 on this machine');
    const run = spawnSync(node, [CHECK], { encoding: 'utf8' });
    t.diagnostic(`${node}: exit ${run.status}: ${run.stderr.trim()}`);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^nest-sqs-worker needs Node 24 \(this is Node \d+\.\d+\.\d+\): [^\n]+\n$/);
    assert.equal(spawnSync(process.execPath, [CHECK], { encoding: 'utf8' }).status, 0);
  });
});

describe('ensure-node.sh', () => {
  it('knows the Node build for Linux and macOS on x64 and arm64, and refuses anything else', () => {
    const platform = (os: string, arch: string) =>
      spawnSync(
        'bash',
        [
          '-c',
          `eval "$(sed -n '/^nsw_node_platform()/,/^}/p' scripts/lib/ensure-node.sh)"; nsw_node_platform ${os} ${arch}`,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
    const cases: Array<[string, string, string]> = [
      ['Linux', 'x86_64', 'linux-x64'],
      ['Linux', 'aarch64', 'linux-arm64'],
      ['Darwin', 'x86_64', 'darwin-x64'],
      ['Darwin', 'arm64', 'darwin-arm64'],
    ];
    for (const [os, arch, expected] of cases) assert.equal(platform(os, arch).stdout.trim(), expected, `${os} ${arch}`);
    assert.notEqual(platform('MINGW64_NT', 'x86_64').status, 0);
  });
});
