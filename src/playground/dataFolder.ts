/**
 * The playground's folders hold its signing key, its role passwords and every row of its database:
 * their owner alone may read them (folders 0700, files 0600). And a folder that cannot be made is
 * one clear error, not Node's recursive mkdir, which loops forever where the system answers
 * ENOENT for a folder whose parent exists (under /proc, for one).
 */
import { accessSync, chmodSync, constants, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const REASONS: Record<string, string> = {
  ENOENT: 'the system does not let a folder be created there',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOSPC: 'no space left on the device',
};

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return REASONS[code] ? `${REASONS[code]} (${code})` : (err as Error).message;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes the folder (and its missing parents) readable by its owner only, creating it if needed.
 * Throws a one-line error saying which folder and why when it cannot be made or written.
 */
export function ensurePrivateFolder(path: string, what = 'data folder'): string {
  const folder = resolve(path);
  const missing: string[] = [];
  for (let at = folder; !exists(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode: PRIVATE_FOLDER_MODE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`Cannot create the ${what} ${folder}: ${reason(err)}. Choose a folder you can write.`);
    }
  }
  if (!statSync(folder).isDirectory()) throw new Error(`The ${what} ${folder} is a file, not a folder. Choose a folder you can write.`);
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new Error(`Cannot write in the ${what} ${folder}: ${reason(err)}. Choose a folder you can write.`);
  }
  restrictMode(folder, PRIVATE_FOLDER_MODE);
  return folder;
}

/** Folders 0700 and files 0600 under `root`, itself included; symbolic links are left alone. */
export function restrictTree(root: string): void {
  const pending = [root];
  while (pending.length) {
    const path = pending.pop()!;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue; // removed meanwhile
    }
    if (stat.isDirectory()) {
      restrictMode(path, PRIVATE_FOLDER_MODE, stat.mode);
      for (const name of readdirSync(path)) pending.push(join(path, name));
    } else if (stat.isFile()) restrictMode(path, PRIVATE_FILE_MODE, stat.mode);
  }
}

/** chmod when the mode differs; a file someone else owns keeps its mode (chmod is theirs to do). */
export function restrictMode(path: string, mode: number, current = statSync(path).mode): void {
  if ((current & 0o777) === mode) return;
  try {
    chmodSync(path, mode);
  } catch {
    // Not ours to change (another owner, a read-only mount): the folder above still keeps others out.
  }
}
