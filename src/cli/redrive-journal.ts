import { appendFileSync, closeSync, constants, fstatSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDirectory } from './private-directory.js';

// Never through a symlink, and created readable by its owner only.
const READ = constants.O_RDONLY | constants.O_NOFOLLOW;
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
const FILE_MODE = 0o600;

/**
 * The dead-letter messages a copy-mode redrive has sent but not yet deleted, on disk and
 * fsynced before the delete. A redrive that crashed between the two leaves the message in the
 * dead-letter queue; the next run finds it here and deletes it instead of sending it twice.
 * Keyed by the dead-letter queue's MessageId, which stays the same across receives. Append-only
 * lines: `+id` sent, `-id` deleted (a message the redrive policy moves back later keeps its id,
 * so a finished entry must not make it look sent).
 *
 * A line here makes a redrive delete a message without sending it, so the file sits in a
 * private directory (see ensurePrivateDirectory), is opened without following symlinks, must
 * be a regular file of this user, and is mode 0600.
 */
export class RedriveJournal {
  private readonly sent = new Set<string>();

  constructor(readonly path: string) {
    for (const line of readPrivate(path).split('\n')) {
      if (line.startsWith('+')) this.sent.add(line.slice(1));
      else if (line.startsWith('-')) this.sent.delete(line.slice(1));
    }
  }

  /**
   * The journal of one dead-letter queue in `directory` (created 0700 if missing), one file per
   * account, region and queue, read from the queue's ARN: two accounts' queues of the same
   * name never share a journal.
   */
  static forQueue(directory: string, dlqArn: string): RedriveJournal {
    const [, , , region = '', account = '', name = ''] = dlqArn.split(':');
    const file = [account, region, name].map((part) => part.replace(/[^\w.-]/g, '_') || '_').join('.');
    return new RedriveJournal(join(ensurePrivateDirectory(directory), `${file}.journal`));
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
    const fd = openChecked(this.path, APPEND);
    try {
      appendFileSync(fd, `${line}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function readPrivate(path: string): string {
  let fd: number;
  try {
    fd = openChecked(path, READ);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Opens without following a symlink (ELOOP) and refuses anything but a private regular file. */
function openChecked(path: string, flags: number): number {
  let fd: number;
  try {
    fd = openSync(path, flags, FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP')
      throw new Error(`journal ${path} is a symlink: refused`, { cause: err });
    throw err;
  }
  const stat = fstatSync(fd);
  const uid = process.getuid?.();
  const problem = !stat.isFile()
    ? 'is not a regular file'
    : uid !== undefined && stat.uid !== uid
      ? 'belongs to another user'
      : (stat.mode & 0o077) !== 0
        ? 'is readable or writable by other users'
        : undefined;
  if (problem) {
    closeSync(fd);
    throw new Error(`journal ${path} ${problem}: refused`);
  }
  return fd;
}
