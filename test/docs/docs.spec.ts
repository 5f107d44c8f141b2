// Docs that cannot drift: the configuration reference is the schema's, every relative link and
// anchor resolves, no page repeats a heading, and every variable and chart value the docs name
// exists. A failure names the page and line; fix the page (or, for the reference, run
// `npm run docs:config`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CONFIG_REFERENCE_PATH, renderConfigReference } from './support/config-reference.js';
import { brokenLinks, repeatedHeadings, unknownChartValues, unknownVariables } from './support/doc-checks.js';
import { currentPages, repositoryFacts, repositoryPages, ROOT } from './support/repository-docs.js';

const pages = repositoryPages();
const facts = repositoryFacts();

describe('the docs hold', () => {
  it('docs/configuration.md is what `npm run docs:config` generates from the env schema', () => {
    const committed = readFileSync(join(ROOT, CONFIG_REFERENCE_PATH), 'utf8');
    assert.equal(committed, renderConfigReference(), 'docs/configuration.md is stale: run `npm run docs:config`');
  });

  it('covers the pages it promises to', () => {
    for (const page of ['README.md', 'charts/nest-sqs-worker/README.md', CONFIG_REFERENCE_PATH]) {
      assert.ok(pages.has(page), `${page} is not checked`);
    }
  });

  it('every relative link and anchor resolves', () => {
    assert.deepEqual(brokenLinks(pages, facts), []);
  });

  it('no page repeats a heading', () => {
    assert.deepEqual(repeatedHeadings(pages), []);
  });

  it('every environment variable the docs name exists', () => {
    assert.deepEqual(unknownVariables(currentPages(pages), facts), []);
  });

  it('every chart value the docs name exists in values.yaml', () => {
    assert.deepEqual(unknownChartValues(currentPages(pages), facts), []);
  });
});
