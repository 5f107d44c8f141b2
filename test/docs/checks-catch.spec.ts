// Each drift check fails on a planted error: test/docs/fixtures/planted.md breaks every one
// of them once (a fixture, never the real docs), and a drifted configuration page differs
// from the generated one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { integer, withDefault } from '../../src/config/env.fields.js';
import { configRows, renderConfigReference } from './support/config-reference.js';
import {
  brokenLinks,
  type Facts,
  repeatedHeadings,
  unknownChartValues,
  unknownVariables,
} from './support/doc-checks.js';

const PAGE = 'docs/planted.md';
const pages = new Map([[PAGE, readFileSync('test/docs/fixtures/planted.md', 'utf8')]]);
const facts: Facts = {
  exists: () => false,
  variables: new Set(['SQS_QUEUE_URL']),
  chartValues: { sqs: { concurrency: 10 } },
};

describe('each drift check fails on a planted error', () => {
  it('a dead relative link and a dead anchor', () => {
    assert.deepEqual(brokenLinks(pages, facts), [
      `${PAGE}:7: link to missing-page.md: docs/missing-page.md does not exist`,
      `${PAGE}:7: link to #no-such-section: no heading #no-such-section in ${PAGE}`,
    ]);
  });

  it('a repeated heading', () => {
    assert.deepEqual(repeatedHeadings(pages), [`${PAGE}:12: heading "Setup" repeats line 5`]);
    // The same heading under different parents (a changelog's "Added" per release) is no repeat.
    const changelog = '# Changelog\n\n## 1.1.0\n\n### Added\n\n## 1.0.0\n\n### Added\n';
    assert.deepEqual(repeatedHeadings(new Map([['CHANGELOG.md', changelog]])), []);
  });

  it('a variable the schema does not have', () => {
    assert.deepEqual(unknownVariables(pages, facts), [
      `${PAGE}:10: SQS_NOT_A_VARIABLE is not a variable of the service`,
    ]);
  });

  it('a chart value values.yaml does not have', () => {
    assert.deepEqual(unknownChartValues(pages, facts), [`${PAGE}:10: chart value sqs.notAValue is not in values.yaml`]);
  });

  it('a configuration page that no longer matches the schema', () => {
    const shape = { SQS_CONCURRENCY: withDefault(...integer(1, 500), 10).describe('Workers.') };
    const committed = renderConfigReference(configRows(shape));
    const changed = { SQS_CONCURRENCY: withDefault(...integer(1, 500), 20).describe('Workers.') };
    assert.notEqual(renderConfigReference(configRows(changed)), committed);
    assert.match(
      renderConfigReference(configRows(shape)),
      /\| `SQS_CONCURRENCY` \| integer \| `10` \| an integer from 1 to 500 \| Workers\. \|/,
    );
  });

  it('a variable with no description', () => {
    const shape = { SQS_CONCURRENCY: withDefault(...integer(1, 500), 10) as z.ZodType };
    assert.throws(() => configRows(shape), /SQS_CONCURRENCY has no \.describe/);
  });
});
