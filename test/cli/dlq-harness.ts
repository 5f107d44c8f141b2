// Runs `npm run dlq` (the compiled CLI) as its own process against the suite's SQS server,
// with the service's configuration in its environment, and puts dead-letter copies on a queue
// as the transport makes them. Shared by the dead-letter command's specs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { eventually } from '../support/eventually.js';
import { type SqsTestBackend, TEST_REGION, type TestQueue } from '../support/sqs-backend.js';

export const CLI = join(process.cwd(), '.build/src/cli/dlq.js');
export const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns a command line and collects what it printed; killed after a minute at most. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const child = spawn(command, args, { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/** The last line of a --json run, parsed, after checking it exited 0. */
export const json = <T>(done: Run): T => {
  assert.equal(done.code, 0, `exit ${done.code}: ${done.stderr}`);
  return JSON.parse(done.stdout.trim().split('\n').at(-1)!) as T;
};

export class DlqHarness {
  /** A private directory (mkdtemp: 0700) under which each queue's journal directory goes. */
  readonly journalRoot = mkdtempSync(join(tmpdir(), 'dlq-journal-'));

  constructor(readonly backend: SqsTestBackend) {}

  /** The service's environment for `queue`, as a local (APP_ENV=local) run has it. */
  env(queue: TestQueue, extraEnv: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      APP_ENV: 'local',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: TEST_REGION,
      SQS_ENDPOINT: this.backend.endpoint,
      SQS_QUEUE_URL: queue.url,
      KEYCLOAK_URL: 'http://127.0.0.1:8080',
      KEYCLOAK_REALM: 'r',
      KEYCLOAK_CLIENT_ID: 'c',
      KEYCLOAK_CLIENT_SECRET: 'test',
      ...extraEnv,
    };
  }

  /** `dlq <args> --journal <dir of this queue>`, with --json unless `human`. */
  dlq(queue: TestQueue, args: string[], options: { env?: Record<string, string>; human?: boolean } = {}) {
    const journal = join(this.journalRoot, queue.dlqUrl!.split('/').pop()!);
    const line = [CLI, ...args, ...(options.human ? [] : ['--json']), '--journal', journal];
    return run(process.execPath, line, this.env(queue, options.env));
  }

  /** A dead-letter copy as the transport makes it (see DeadLetterForwarder); `attributes` override. */
  async deadLetter(
    queue: TestQueue,
    body: string,
    reason: string,
    pattern: string,
    attributes: Record<string, MessageAttributeValue> = {},
  ): Promise<void> {
    await this.backend.send(queue.dlqUrl!, body, {
      attributes: {
        pattern: text(pattern),
        tenant: text('t1'),
        'dlq-reason': text(reason),
        'dlq-detail': text(`${reason} detail`),
        'dlq-source-queue': text(queue.url),
        'dlq-message-id': text(`orig-${body}`),
        'dlq-receive-count': { DataType: 'Number', StringValue: '3' },
        'dlq-pattern': text(pattern),
        ...attributes,
      },
    });
  }

  /** `n` dead-letter copies with distinct bodies; returns the bodies. */
  async fill(queue: TestQueue, n: number, reason = 'non-retryable', pattern = 'user.registered'): Promise<string[]> {
    const bodies = Array.from({ length: n }, (_, i) => JSON.stringify({ n: i, reason, pattern }));
    for (const body of bodies) await this.deadLetter(queue, body, reason, pattern);
    return bodies;
  }

  async visible(url: string, n: number): Promise<void> {
    await eventually(async () => (await this.backend.counts(url)).visible === n, `${n} visible on ${url}`);
  }
}
