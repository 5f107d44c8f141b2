import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDlqArgs, UsageError } from './args.js';
import { RateLimiter } from './rate-limiter.js';
import { RedriveJournal } from './redrive-journal.js';

describe('dlq command parts', () => {
  it('parses a command line and refuses a bad one by name', () => {
    const args = parseDlqArgs(['redrive', '--reason', 'no-handler', '--rate', '5', '--max', '20']);
    assert.deepEqual(
      [args.command, args.reason, args.rate, args.max, args.mode, args.holdSeconds],
      ['redrive', 'no-handler', 5, 20, 'auto', 60],
    );
    assert.throws(() => parseDlqArgs(['drain']), UsageError);
    assert.throws(() => parseDlqArgs(['redrive', '--rate', '0']), /--rate must be a positive number/);
    assert.throws(() => parseDlqArgs(['redrive', '--mode', 'fast']), /--mode must be auto or copy/);
  });

  it('lets at most `rate` calls through per second', async () => {
    const limiter = new RateLimiter(20);
    const started = performance.now();
    for (let i = 0; i < 5; i += 1) await limiter.take();
    // Five calls at 20/s: the first at once, then one every 50 ms. A lower bound only: a slow
    // machine makes this slower, never red.
    assert.ok(performance.now() - started >= 195, `took ${performance.now() - started} ms`);
  });

  it('journals a send durably and forgets it once deleted, across runs', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'journal-')), 'j');
    const first = new RedriveJournal(path);
    first.recordSent('a');
    first.recordSent('b');
    first.recordDeleted('a');
    const second = new RedriveJournal(path);
    assert.equal(second.wasSent('a'), false);
    assert.equal(second.wasSent('b'), true);
  });
});
