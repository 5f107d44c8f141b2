import { lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the redrive journal lives unless `--journal <dir>` says otherwise: the user's state
 * directory (`$XDG_STATE_HOME`, else `~/.local/state`), never the shared temporary directory,
 * where anyone could pre-create the file or a symlink in its place.
 */
export function defaultJournalDirectory(env: NodeJS.ProcessEnv): string {
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'nest-sqs-worker', 'redrive');
}

/**
 * Creates `path` (mode 0700) if missing and proves it private: a real directory (not a
 * symlink), owned by this user, with no access for group or others. A journal another user
 * could write would let them make a redrive delete a message without sending it.
 * Throws with the fix when it is not.
 */
export function ensurePrivateDirectory(path: string): string {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (err) {
    // A file there: --journal used to name the journal file, it now names its directory.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new Error(`journal directory ${path} is a file; --journal names a directory`, { cause: err });
    throw err;
  }
  const stat = lstatSync(path);
  const uid = process.getuid?.();
  if (!stat.isDirectory()) throw new Error(`journal directory ${path} is not a directory (a symlink is refused)`);
  if (uid !== undefined && stat.uid !== uid) throw new Error(`journal directory ${path} belongs to another user`);
  if ((stat.mode & 0o077) !== 0)
    throw new Error(`journal directory ${path} is open to other users; chmod 700 it or choose another --journal`);
  return path;
}
