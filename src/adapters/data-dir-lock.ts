/**
 * One registry process per data directory. Two `signpost serve` on one directory would each keep
 * their own caches (resolve answers, status lists) over the same SQLite file, so an agent revoked
 * through one would keep resolving through the other. The second one is refused instead.
 *
 * The lock is SQLite's own: an exclusive transaction held open on `<dataDir>/serve.lock` for the
 * life of the process. It is a POSIX advisory lock, which the kernel drops when the process ends,
 * however it ends: a crashed or killed server never leaves the directory locked. Who holds it is
 * written beside it (`serve.lock.json`) for the refusal message only; that file decides nothing.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SignpostError } from '../core/errors.js';

export const LOCK_FILE = 'serve.lock';
export const HOLDER_FILE = 'serve.lock.json';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** RFC 3339 time the holder took the lock. */
  readonly since: string;
}

export interface DataDirLock {
  /** Let go (idempotent); the holder file goes with it. */
  release(): void;
}

/** Take the data directory for this process, or throw DATA_DIR_IN_USE naming who has it. */
export function lockDataDir(dataDir: string, now: Date = new Date()): DataDirLock {
  const db = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    throw new SignpostError('DATA_DIR_IN_USE', `${dataDir} is in use by another signpost serve (${describe(readHolder(dataDir))}); stop it, or give this one another --data directory`);
  }
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  writeFileSync(join(dataDir, HOLDER_FILE), JSON.stringify(holder) + '\n', { mode: 0o600 });
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(join(dataDir, HOLDER_FILE), { force: true });
      db.close();
    },
  };
}

function readHolder(dataDir: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(join(dataDir, HOLDER_FILE), 'utf8')) as Partial<LockHolder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.since === 'string' ? (value as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

function describe(holder: LockHolder | undefined): string {
  return holder === undefined ? 'its process is not recorded' : `process ${holder.pid} on ${holder.host}, since ${holder.since}`;
}
