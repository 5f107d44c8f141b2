// The lint rule that keeps the transport's folders layered (SQS_LAYERS in eslint.config.mjs):
// planted imports, linted as if they sat in a stage folder, show what it refuses and allows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

/** The rules that fire on `code` placed at `filePath` (repository-relative). */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = [x];\n`, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the transport layers (eslint.config.mjs, SQS_LAYERS)', () => {
  it('refuses a value import from a stage above', async () => {
    const found = await violations(
      'src/sqs/settlement/planted.ts',
      "import { MessageBuffer as x } from '../buffer/message-buffer.js';",
    );
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, /no-restricted-imports: .*src\/sqs\/settlement imports values only from the folders below/);
  });

  it('allows a type-only import from a stage above', async () => {
    const found = await violations(
      'src/sqs/settlement/planted.ts',
      "import type { MessageBuffer } from '../buffer/message-buffer.js';\nconst x: MessageBuffer | undefined = undefined;",
    );
    assert.deepEqual(found, []);
  });

  it('allows a value import from a stage below', async () => {
    const found = await violations(
      'src/sqs/intake/planted.ts',
      "import { Settlement as x } from '../settlement/settlement.js';",
    );
    assert.deepEqual(found, []);
  });

  it('refuses the public surface and the test kit inside the transport', async () => {
    const surface = await violations('src/sqs/core/planted.ts', "import { SqsServer as x } from '../index.js';");
    const kit = await violations('src/sqs/engine/planted.ts', "import { SqsTestKit as x } from '../testing/index.js';");
    assert.equal(surface.length, 1, surface.join('\n'));
    assert.equal(kit.length, 1, kit.join('\n'));
  });

  it('refuses an application folder from a stage folder', async () => {
    const found = await violations('src/sqs/dispatch/planted.ts', "import { x } from '../../users/users.service.js';");
    assert.match(found.join('\n'), /The transport must not import application folders/);
  });

  it('lets the application reach only src/sqs/index.js', async () => {
    const deep = await violations(
      'src/users/planted.ts',
      "import { Settlement as x } from '../sqs/settlement/settlement.js';",
    );
    const surface = await violations('src/users/planted.ts', "import { SqsServer as x } from '../sqs/index.js';");
    assert.match(deep.join('\n'), /Import the transport through src\/sqs\/index\.js/);
    assert.deepEqual(surface, []);
  });
});
