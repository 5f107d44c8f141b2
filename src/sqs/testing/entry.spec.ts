import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = join(import.meta.dirname, '../../../../src');

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path.endsWith(join('sqs', 'testing')) ? [] : productionFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('the test kit entry', () => {
  it('is loaded by no production file: src/sqs/index.ts and the app never import src/sqs/testing', () => {
    const files = productionFiles(SRC);
    assert.ok(
      files.some((f) => f.endsWith(join('sqs', 'index.ts'))),
      'the scan sees the sources',
    );
    const importers = files.filter((file) => /from '[^']*\/testing\/[^']*'/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(
      importers.map((file) => relative(SRC, file)),
      [],
    );
  });
});
