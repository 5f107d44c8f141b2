import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The dead-letter messages a copy-mode redrive has sent but not yet deleted, on disk and
 * fsynced before the delete. A redrive that crashed between the two leaves the message in the
 * dead-letter queue; the next run finds it here and deletes it instead of sending it twice.
 * Keyed by the dead-letter queue's MessageId, which stays the same across receives. Append-only
 * lines: `+id` sent, `-id` deleted (a message the redrive policy moves back later keeps its id,
 * so a finished entry must not make it look sent).
 */
export class RedriveJournal {
  private readonly sent = new Set<string>();

  constructor(readonly path: string) {
    const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
    for (const line of lines) {
      if (line.startsWith('+')) this.sent.add(line.slice(1));
      else if (line.startsWith('-')) this.sent.delete(line.slice(1));
    }
  }

  /** The default file for a dead-letter queue: one per queue, in the temporary directory. */
  static defaultPath(dlqUrl: string): string {
    const name = dlqUrl.slice(dlqUrl.lastIndexOf('/') + 1).replace(/[^\w.-]/g, '_');
    return join(tmpdir(), `nest-sqs-worker-redrive-${name}.journal`);
  }

  wasSent(messageId: string): boolean {
    return this.sent.has(messageId);
  }

  /** Records the send durably (fsync) before returning. */
  recordSent(messageId: string): void {
    this.append(`+${messageId}`);
    this.sent.add(messageId);
  }

  /** Records that the dead-letter copy is deleted: the redrive of this message is complete. */
  recordDeleted(messageId: string): void {
    this.append(`-${messageId}`);
    this.sent.delete(messageId);
  }

  private append(line: string): void {
    const fd = openSync(this.path, 'a');
    try {
      appendFileSync(fd, `${line}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
