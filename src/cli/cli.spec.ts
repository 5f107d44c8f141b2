import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HelpRequested, parseDlqArgs, UsageError } from './args.js';
import { printable } from './printable.js';
import { RateLimiter } from './rate-limiter.js';
import { RedriveJournal } from './redrive-journal.js';

const DLQ_ARN = 'arn:aws:sqs:eu-west-1:111111111111:work-dlq';
const JOURNAL_FILE = '111111111111.eu-west-1.work-dlq.journal';

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
    assert.throws(() => parseDlqArgs(['--help']), HelpRequested);
    assert.throws(() => parseDlqArgs(['peek', '-h']), HelpRequested);
  });

  it('escapes every control character, bidi override and line separator, and keeps the rest', () => {
    assert.equal(printable('\u001b[2J\u0007a\nb\r\tc\u009b\u202eé ok'), '\\x1b[2J\\x07a\\nb\\r\\tc\\x9b\\u202eé ok');
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
    const dir = join(mkdtempSync(join(tmpdir(), 'journal-')), 'state');
    const first = RedriveJournal.forQueue(dir, DLQ_ARN);
    first.recordSent('a');
    first.recordSent('b');
    first.recordDeleted('a');
    const second = RedriveJournal.forQueue(dir, DLQ_ARN);
    assert.equal(second.wasSent('a'), false);
    assert.equal(second.wasSent('b'), true);
  });

  it('keeps the journal in a 0700 directory, mode 0600, one file per account, region and queue', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'journal-')), 'state', 'redrive');
    RedriveJournal.forQueue(dir, DLQ_ARN).recordSent('a');
    RedriveJournal.forQueue(dir, DLQ_ARN.replace('111111111111', '222222222222')).recordSent('a');
    RedriveJournal.forQueue(dir, DLQ_ARN.replace('eu-west-1', 'us-east-1')).recordSent('a');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, [
      '111111111111.eu-west-1.work-dlq.journal',
      '111111111111.us-east-1.work-dlq.journal',
      '222222222222.eu-west-1.work-dlq.journal',
    ]);
    for (const file of files) assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600);
  });

  it('refuses a journal that is a symlink, one open to others, and a directory open to others', () => {
    const root = mkdtempSync(join(tmpdir(), 'journal-'));
    const planted = join(root, 'planted');
    writeFileSync(planted, '+victim\n', { mode: 0o600 });
    const linked = join(root, 'linked');
    mkdirSync(linked, { mode: 0o700 });
    symlinkSync(planted, join(linked, JOURNAL_FILE));
    assert.throws(() => RedriveJournal.forQueue(linked, DLQ_ARN), /is a symlink: refused/);

    const loose = join(root, 'loose');
    mkdirSync(loose, { mode: 0o700 });
    writeFileSync(join(loose, JOURNAL_FILE), '+victim\n');
    chmodSync(join(loose, JOURNAL_FILE), 0o666);
    assert.throws(() => RedriveJournal.forQueue(loose, DLQ_ARN), /readable or writable by other users: refused/);

    const shared = join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    assert.throws(() => RedriveJournal.forQueue(shared, DLQ_ARN), /is open to other users; chmod 700/);
    const dirLink = join(root, 'dir-link');
    symlinkSync(linked, dirLink);
    assert.throws(() => RedriveJournal.forQueue(dirLink, DLQ_ARN), /not a directory \(a symlink is refused\)/);
    assert.throws(() => RedriveJournal.forQueue(planted, DLQ_ARN), /is a file; --journal names a directory/);
  });
});
