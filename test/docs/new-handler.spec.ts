// `npm run new:handler` writes a handler that passes the compiler, lint and its own spec as
// generated: it generates into a scratch copy of the repository (src, test/support and the
// configs, node_modules linked), never into this one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = process.cwd();
const GENERATOR = join(ROOT, 'scripts/new-handler.mjs');
const CONFIGS = ['package.json', 'tsconfig.json', 'eslint.config.mjs', '.prettierrc.json', '.prettierignore'];

function run(args: string[], cwd = ROOT) {
  // Without NODE_TEST_CONTEXT, a child `node --test` runs its files instead of deferring to us.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const res = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr, out: `${res.stdout}${res.stderr}` };
}

function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'new-handler-'));
  // Unit specs beside the source import test/support; the rest of test/ is not needed.
  for (const folder of ['src', 'test/support']) cpSync(join(ROOT, folder), join(dir, folder), { recursive: true });
  for (const file of CONFIGS) copyFileSync(join(ROOT, file), join(dir, file));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

describe('npm run new:handler -- orders order.created', () => {
  let dir: string;
  const bin = (name: string) => join(dir, 'node_modules', name);

  before(() => {
    dir = scratchCopy();
    const generated = run([GENERATOR, '--root', dir, 'orders', 'order.created']);
    assert.equal(generated.code, 0, generated.out);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the module, controller, service, DTO and spec, and registers the module in AppModule', () => {
    const app = readFileSync(join(dir, 'src/app.module.ts'), 'utf8');
    assert.match(app, /import \{ OrdersModule \} from '\.\/orders\/orders\.module\.js';/);
    assert.match(app, /imports: \[[\s\S]*OrdersModule,\n\s*\],/);
    assert.match(
      readFileSync(join(dir, 'src/orders/orders.controller.ts'), 'utf8'),
      /@SqsEventPattern\(ORDER_CREATED_PATTERN\)/,
    );
    assert.match(readFileSync(join(dir, 'src/orders/order-created.dto.ts'), 'utf8'), /@IsString\(\)/);
  });

  it('compiles, passes lint and its own spec as generated', () => {
    const tsc = run([bin('typescript/bin/tsc'), '-p', 'tsconfig.json'], dir);
    assert.equal(tsc.code, 0, tsc.out);
    const files = ['src/orders', 'src/app.module.ts'];
    const eslint = run([bin('eslint/bin/eslint.js'), ...files], dir);
    assert.equal(eslint.code, 0, eslint.out);
    const prettier = run([bin('prettier/bin/prettier.cjs'), '--check', ...files, 'eslint.config.mjs'], dir);
    assert.equal(prettier.code, 0, prettier.out);
    const spec = run(['--enable-source-maps', '--test', '.build/src/orders/orders.controller.spec.js'], dir);
    assert.equal(spec.code, 0, spec.out);
    assert.match(spec.out, /pass 2/);
  });

  it('refuses a folder that exists, with one line and exit 2', () => {
    const again = run([GENERATOR, '--root', dir, 'orders', 'order.updated']);
    assert.deepEqual([again.code, again.stderr.trim().split('\n').length], [2, 1]);
    assert.match(again.stderr, /src\/orders exists already/);
  });
});

describe('npm run new:handler: manners', () => {
  for (const [args, message] of [
    [['Orders', 'order.created'], /folder "Orders" must be lower-case/],
    [['orders', 'Order Created'], /pattern "Order Created" must be lower-case/],
    [['users', 'user.created'], /belongs to the service itself/],
    [['orders'], /expected exactly two arguments/],
    [['--bogus'], /Unknown option '--bogus'/],
  ] as const) {
    it(`refuses ${JSON.stringify(args.join(' '))} with one line and exit 2, writing nothing`, () => {
      const res = run([GENERATOR, '--root', '/nonexistent', ...args]);
      assert.equal(res.code, 2, res.out);
      assert.equal(res.stdout, '');
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
      assert.match(res.stderr, message);
    });
  }

  it('--help prints the usage on stdout and exits 0', () => {
    const res = run([GENERATOR, '--help']);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /^Usage: npm run new:handler -- <folder> <pattern>/);
  });
});
